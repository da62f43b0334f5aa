// Fixtures: the enver (worker), the dataset and contracts compiled once (worker), SQS (worker, on first
// use), and per test a run id sent with every request, the web client opened in the test's fresh page.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { SQSClient } from "@aws-sdk/client-sqs";
import { test as base } from "playwright-bdd";
import { Contracts, Dataset } from "../lib/contracts.mjs";
import { WebClient } from "../lib/web-client.mjs";

export const test = base.extend({
  enver: [async ({}, use) => use(JSON.parse(readFileSync(process.env.PEER_ENVER, "utf8"))), { scope: "worker" }],
  dataset: [async ({}, use) => use(new Dataset()), { scope: "worker" }],
  contracts: [async ({}, use) => use(new Contracts(["identity-service", "key-service"])), { scope: "worker" }],
  sqs: [
    async ({ enver }, use) => {
      const client = new SQSClient({
        endpoint: enver.endpoint_url,
        region: enver.region,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
      await use(client);
      client.destroy();
    },
    { scope: "worker" },
  ],
  run: async ({}, use) => use(randomUUID().replaceAll("-", "")),
  extraHTTPHeaders: async ({ run }, use) => use({ "X-Odmd-Run": run }), // the enver keeps runs apart by it
  client: async ({ page, contracts }, use) => {
    const client = new WebClient(page, contracts);
    await client.open();
    await use(client);
  },
  world: async ({}, use) => use({ last: null }),
});
