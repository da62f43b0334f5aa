// UC1's steps on the GUI: the same clicks as odmd-bdd's GUI layer, expected values from the dataset.
import { ReceiveMessageCommand, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { expect } from "@playwright/test";
import { createBdd } from "playwright-bdd";
import { test } from "./fixtures.mjs";

const { Given, When, Then } = createBdd(test);
const EVENT_WAIT_MS = 10_000;

async function logIn(client, dataset, world, tempToken) {
  const body = { ...dataset.case("UC1.login").request.body, temp_token: tempToken };
  world.last = await client.submit("login", body);
}

Given("the user is logged in to identity-service", async ({ client, dataset, world }) => {
  await logIn(client, dataset, world, dataset.constants.TEMP_TOKEN);
  await client.expectShown(world.last, 200);
  await client.expectSignedIn(true);
});

When("the user logs in to identity-service with the temporary token {word}", async ({ client, dataset, world }, token) => {
  await logIn(client, dataset, world, dataset.resolve(token));
});

Then("a session is opened for {word} with the session token {word}", async ({ client, dataset, world }, user, token) => {
  await client.expectShown(world.last, 200, { user_id: dataset.resolve(user), session_token: dataset.resolve(token) });
  await client.expectSignedIn(true);
});

Then("no session is opened", async ({ client }) => {
  await client.expectSignedIn(false);
});

async function registerKey(client, dataset, world, fields = {}) {
  const body = { ...dataset.case("UC1.register_root_key").request.body, ...fields };
  world.last = await client.submit("registerKey", body);
}

When("the user registers the root public key {word} for {word} with key-service", async ({ client, dataset, world }, key, entity) => {
  await registerKey(client, dataset, world, { public_key: dataset.resolve(key), entity_id: dataset.resolve(entity) });
});

When("the user registers the root public key with key-service without a session token", async ({ client, dataset, world }) => {
  await client.setSessionToken(null);
  await registerKey(client, dataset, world);
});

Then("the key {word} is registered for {word}", async ({ client, dataset, world }, keyId, entity) => {
  await client.expectShown(world.last, 201, { key_id: dataset.resolve(keyId), entity_id: dataset.resolve(entity) });
});

async function createRoot(client, dataset, world, entity) {
  const body = { ...dataset.case("UC1.create_root_entity").request.body, entity_id: dataset.resolve(entity) };
  world.last = await client.submit("createEntity", body);
}

When("the user creates the root entity {word} with identity-service", async ({ client, dataset, world }, entity) => {
  await createRoot(client, dataset, world, entity);
});

When(
  "the user creates the root entity {word} with identity-service using the session token {word}",
  async ({ client, dataset, world }, entity, token) => {
    await client.setSessionToken(dataset.resolve(token));
    await createRoot(client, dataset, world, entity);
  },
);

Then("the entity {word} is created as a root entity owned by {word}", async ({ client, dataset, world }, entity, user) => {
  await client.expectShown(world.last, 201, { entity_id: dataset.resolve(entity), owner_user_id: dataset.resolve(user) });
});

When("the client sends the dataset case {word}", async ({ client, dataset, world }, ref) => {
  const item = dataset.case(ref);
  world.last = await client.submit(item.operation, item.request.body);
});

Then("the answer matches the dataset case {word}", async ({ client, dataset, world }, ref) => {
  const { status, body } = dataset.case(ref).response;
  await client.expectShown(world.last, status, body ?? {});
});

Then("the request succeeds", async ({ world }) => {
  expect(world.last.status).toBeGreaterThanOrEqual(200);
  expect(world.last.status).toBeLessThan(300);
});

Then("the request is refused as unauthorized", async ({ client, world }) => {
  await client.expectShown(world.last, 401);
});

Then(/^an? (\w+) event is published for (\S+)$/, async ({ contracts, dataset, sqs, run }, message, key) => {
  const { queue, validate } = contracts.events[message];
  const declared = Object.values(dataset.useCases.UC1.steps).flatMap((c) => c.events ?? []);
  const expected = dataset.resolve(declared.find((e) => e.message === message).payload);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${queue}--${run}` }));
  const deadline = Date.now() + EVENT_WAIT_MS;
  while (Date.now() < deadline) {
    const wait = Math.max(1, Math.min(5, Math.round((deadline - Date.now()) / 1000)));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: wait }));
    for (const received of Messages) {
      const payload = JSON.parse(received.Body);
      if (payload.event_type !== message) continue;
      expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
      expect(payload).toEqual(expected);
      expect(Object.values(payload)).toContain(dataset.resolve(key));
      return;
    }
  }
  throw new Error(`no ${message} event on ${queue}--${run} within ${EVENT_WAIT_MS / 1000}s`);
});
