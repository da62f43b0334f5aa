// The dataset with every ${NAME} resolved, and the contracts' validators compiled once (Ajv, JSON Schema 2020-12).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;
const fixtures = (name) => fileURLToPath(new URL(`../../../../fixtures/${name}`, import.meta.url));
const PLACEHOLDER = /\$\{(\w+)\}/g;

export class Dataset {
  constructor() {
    const raw = parse(readFileSync(fixtures("dataset/master-mock-dataset.yaml"), "utf8"));
    this.constants = {};
    for (const [name, value] of Object.entries(raw.constants)) this.constants[name] = this.resolve(value);
    this.useCases = raw.use_cases;
  }

  resolve(value) {
    if (typeof value === "string") {
      const whole = /^\$\{(\w+)\}$/.exec(value);
      if (whole) return this.constants[whole[1]];
      return value.replace(PLACEHOLDER, (_, name) => String(this.constants[name]));
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
    }
    return value;
  }

  case(ref) {
    const [useCase, name] = ref.split(".");
    const cases = this.useCases[useCase];
    return this.resolve({ ...cases.steps, ...cases.errors }[name]);
  }
}

export class Contracts {
  constructor(services) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    this.operations = {}; // operationId -> {service, method, path, validators: {status: validate}}
    this.events = {}; // message -> {queue, validate}
    for (const service of services) {
      const doc = JSON.parse(readFileSync(fixtures(`contracts/${service}.openapi.json`), "utf8"));
      const id = `https://contracts.local/${service}.json`; // ajv wants an absolute URI
      ajv.addSchema(doc, id);
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!op || !op.operationId) continue;
          const pointer = `/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses`;
          const validators = {};
          for (const [status, response] of Object.entries(op.responses)) {
            if (!response.content || !response.content["application/json"]) continue;
            validators[status] = ajv.compile({ $ref: `${id}#${pointer}/${status}/content/application~1json/schema` });
          }
          this.operations[op.operationId] = { service, method: method.toUpperCase(), path, validators };
        }
      }
      let spec;
      try {
        spec = JSON.parse(readFileSync(fixtures(`contracts/${service}.asyncapi.json`), "utf8"));
      } catch {
        continue;
      }
      for (const channel of Object.values(spec.channels)) {
        const name = channel.subscribe.message.$ref.split("/").pop();
        const queue = channel.bindings.sqs.queue.name;
        this.events[name] = { queue, validate: ajv.compile(spec.components.messages[name].payload) };
      }
    }
  }

  // Throws unless the status is one the operation documents and the body validates against it.
  check(operationId, status, body) {
    const validate = this.operations[operationId].validators[String(status)];
    if (!validate) throw new Error(`${operationId} answered ${status}, which its contract does not document`);
    if (!validate(body)) throw new Error(`${operationId} ${status} breaks its contract: ${JSON.stringify(validate.errors)}`);
  }
}
