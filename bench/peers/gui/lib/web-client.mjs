// The web client's page, by its data-testids (docs/WEB_CLIENT_CONVENTION.md): open it, submit an
// operation's form, and hand back the answer the service sent (validated against its contract).
import { expect } from "@playwright/test";

const SELECTS = new Set(["registerKey.algorithm", "createEntity.entity_type"]); // the enums render as <select>
const SESSION_KEY = "odmd.session_token";

export class WebClient {
  constructor(page, contracts) {
    this.page = page;
    this.contracts = contracts;
    this.submitted = {}; // operationId -> how many answers its panel has shown
  }

  async open() {
    await this.page.goto("./");
    await expect(this.page.getByTestId("app")).toHaveAttribute("data-ready", "true");
  }

  async setSessionToken(token) {
    await this.page.evaluate(
      ([key, value]) => {
        if (value === null) sessionStorage.removeItem(key);
        else sessionStorage.setItem(key, value);
        window.dispatchEvent(new Event("odmd:session"));
      },
      [SESSION_KEY, token],
    );
  }

  async submit(operationId, fields) {
    const { service, method, path } = this.contracts.operations[operationId];
    const section = this.page.getByTestId(`service.${service}`);
    if (!(await section.isVisible())) {
      await this.page.getByTestId(`nav.${service}`).click();
      await expect(section).toBeVisible();
    }
    const form = section.getByTestId(`op.${operationId}`);
    for (const [name, value] of Object.entries(fields)) {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      const input = form.getByTestId(`${operationId}.${name}`);
      if (SELECTS.has(`${operationId}.${name}`)) await input.selectOption(text);
      else await input.fill(text);
    }
    const seq = (this.submitted[operationId] ?? 0) + 1;
    this.submitted[operationId] = seq;
    const answered = this.page.waitForResponse(
      (r) => r.request().method() === method && new URL(r.url()).pathname === `/${service}${path}`,
    );
    await form.getByTestId(`${operationId}.submit`).click();
    const response = await answered;
    const body = await response.json();
    this.contracts.check(operationId, response.status(), body);
    await expect(form.getByTestId(`${operationId}.answer`)).toHaveAttribute("data-seq", String(seq));
    return { operationId, form, status: response.status(), body };
  }

  // Web-first: the page shows this status and these top-level fields (their data-json).
  async expectShown(answer, status, fields = {}) {
    const op = answer.operationId;
    await expect(answer.form.getByTestId(`${op}.status`)).toHaveAttribute("data-json", String(status));
    for (const [name, value] of Object.entries(fields)) {
      await expect(answer.form.getByTestId(`${op}.result.${name}`)).toHaveAttribute("data-json", JSON.stringify(value));
    }
  }

  async expectSignedIn(signedIn) {
    await expect(this.page.getByTestId("session.state")).toHaveAttribute("data-state", signedIn ? "signed-in" : "signed-out");
  }
}
