// The playwright-bdd peer (bench/peers/README.md): UC1's GUI scenarios, Playwright Test's defaults
// (a fresh context per test, one worker on this 2-core machine), the running embedded enver's web client.
import { readFileSync } from "node:fs";
import { defineConfig } from "@playwright/test";
import { defineBddConfig } from "playwright-bdd";

const enver = JSON.parse(readFileSync(process.env.PEER_ENVER, "utf8")); // .odmd/enver.json of odmd-bdd local-enver

const testDir = defineBddConfig({
  features: "../../../features/uc1_authentication_key_entity.feature",
  featuresRoot: "../../../features",
  steps: "steps/*.mjs",
  tags: "not @api-only",
  outputDir: process.env.PEER_GEN_DIR || ".features-gen",
});

export default defineConfig({
  testDir,
  workers: 1,
  outputDir: process.env.PEER_OUT_DIR || "test-results",
  reporter: [["json", { outputFile: process.env.PEER_REPORT || "report.json" }], ["dot"]],
  use: {
    baseURL: `${enver.web_url}/web-client/`,
    trace: "on-first-retry",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
      ],
    },
  },
});
