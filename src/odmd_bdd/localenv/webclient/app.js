// The reference web client of odmd-bdd: plain JavaScript, no build step.
//
// It reads config.json (the services' base URLs and contracts, the session settings and the
// GUI fault plan), then builds one page per service and one form per operation from each
// service's OpenAPI contract, so a new use case or operation needs no change here. Every
// element a test touches carries a data-testid of docs/WEB_CLIENT_CONVENTION.md:
//
//   nav.<service>                     link to the service's page
//   service.<service>                 the page
//   op.<operationId>                  the operation's form
//   <operationId>.<field.path>        an input of a body field (dotted for nested objects)
//   <operationId>.$path.<name>        an input of a path parameter ($query.<name>: query)
//   <operationId>.$body               the whole body as JSON, where it is not an object of fields
//   <operationId>.submit              the button that sends the request
//   <operationId>.answer              the answer panel: data-seq counts answers, data-state
//   <operationId>.status              the HTTP status (data-json)
//   <operationId>.result.<field>      an answer field (data-json = its JSON value)
//   <operationId>.issues / .issue     the Zod issues of a 400 (data-path, data-json)
//   <operationId>.error               why no answer arrived (network failure)
"use strict";

(() => {
  const app = document.querySelector('[data-testid="app"]');
  const SECRET = /token|secret|password|passwd|authorization|api[_-]?key|credential|private[_-]?key/i;
  const METHODS = ["get", "put", "post", "delete", "patch"];
  let config = null;
  let sessionKey = app.dataset.sessionKey || "odmd.session_token";

  // --- small helpers -------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.json();
  }

  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

  function getPath(value, path) {
    return path.split(".").reduce((v, key) => (isObject(v) ? v[key] : undefined), value);
  }

  function setPath(value, path, newValue) {
    const keys = path.split(".");
    let node = value;
    for (const key of keys.slice(0, -1)) {
      if (!isObject(node[key])) node[key] = {};
      node = node[key];
    }
    node[keys[keys.length - 1]] = newValue;
  }

  // --- the session -----------------------------------------------------------------------

  function token() {
    return sessionStorage.getItem(sessionKey);
  }

  // The credential of each security scheme: sessionStorage[<key>.credentials] ({service: {scheme:
  // value}}, set by the harness to send other ones or none), else config.json's mock credentials;
  // a scheme without one gets the session token.
  function credentialsOf(service) {
    const kept = sessionStorage.getItem(`${sessionKey}.credentials`);
    let all = (config && config.credentials) || {};
    if (kept !== null) { try { all = JSON.parse(kept) || {}; } catch { all = {}; } }
    return all[service] || {};
  }

  // Headers, query pairs and cookies presenting the first security requirement the client has
  // every credential of (contract order).
  function authOf(service, op) {
    const creds = credentialsOf(service);
    const none = { headers: {}, query: [], cookies: [] };
    if (op.security.length === 0) return none;
    for (const requirement of op.security) {
      const values = requirement.map((s) => (creds[s.name] !== undefined ? creds[s.name] : token()));
      if (values.some((v) => v === null || v === undefined)) continue;
      const headers = {}; const query = []; const cookies = [];
      requirement.forEach((s, i) => {
        if (s.type === "apiKey") {
          if (s.in === "header") headers[s.name_] = values[i];
          else if (s.in === "query") query.push([s.name_, values[i]]);
          else if (s.in === "cookie") cookies.push([s.name_, values[i]]);
        } else if (s.type === "http" && s.scheme === "basic") headers.Authorization = `Basic ${btoa(values[i])}`;
        else if (s.type === "http" && s.scheme !== "bearer") headers.Authorization = `${s.scheme} ${values[i]}`;
        else headers.Authorization = `Bearer ${values[i]}`;
      });
      return { headers, query, cookies };
    }
    return none;
  }

  // fetch cannot set a Cookie header: an apiKey in a cookie is a cookie of this page's host, sent
  // on a credentialed request. It reaches the service only where the browser would send it (same
  // host here: cookies ignore the port; a deployed service on another site never sees it). The
  // cookie schemes the call does not present are removed, so a call without its key goes without.
  function presentCookies(op, cookies) {
    const names = new Set(op.security.flat().filter((s) => s.type === "apiKey" && s.in === "cookie").map((s) => s.name_));
    for (const name of names) {
      const value = (cookies.find(([n]) => n === name) || [])[1];
      document.cookie = value === undefined ? `${name}=; Max-Age=0; path=/` : `${name}=${value}; path=/; SameSite=Lax`;
    }
    return cookies.length ? "include" : "same-origin";
  }

  function showSession() {
    const state = document.querySelector('[data-testid="session.state"]');
    const signedIn = Boolean(token());
    state.dataset.state = signedIn ? "signed-in" : "signed-out";
    state.textContent = signedIn ? `signed in${sessionStorage.getItem(`${sessionKey}.user`) ? ` as ${sessionStorage.getItem(`${sessionKey}.user`)}` : ""}` : "signed out";
  }

  function keepSession(body) {
    const field = config.session.token_field;
    if (!isObject(body) || typeof body[field] !== "string") return;
    sessionStorage.setItem(sessionKey, body[field]);
    if (typeof body.user_id === "string") sessionStorage.setItem(`${sessionKey}.user`, body.user_id);
    showSession();
  }

  function logOut() {
    sessionStorage.removeItem(sessionKey);
    sessionStorage.removeItem(`${sessionKey}.user`);
    showSession();
  }

  // --- GUI faults: deliberate client bugs the harness's own tests plant (config.faults) ----
  // Each kind changes one thing; a new kind is one entry here and one in localenv/web.py.
  // Hooks: answer(fault, body) changes the body before it is shown; path(fault) the route called;
  // shown(fault, panel, operationId, before) the rendered answer panel (`before`: data-testid ->
  // text of the panel as it was before the request); dom(fault, form) the operation's form, once
  // it is on the page and again after every answer.

  // The elements of an answer field of a text or stale fault: a dotted field, $status or $issues.
  function shownElements(panel, operationId, field) {
    const testid = field === "$status" ? `${operationId}.status`
      : field === "$issues" ? `${operationId}.issue` : `${operationId}.result.${field}`;
    return [...panel.querySelectorAll(`[data-testid="${testid}"]`)];
  }

  const FAULTS = {
    // The answer panel shows `value` for the field `field` instead of what the service answered.
    show: { answer: (fault, body) => { if (isObject(body)) setPath(body, fault.field, fault.value); return body; } },
    // The submit button calls the route `path` instead of the operation's own.
    route: { path: (fault) => fault.path },
    // The answer panel leaves out the element of the field `field` (a missing element).
    hide: { answer: (fault, body) => {
      if (!isObject(body)) return body;
      const keys = fault.field.split(".");
      const parent = keys.length > 1 ? getPath(body, keys.slice(0, -1).join(".")) : body;
      if (isObject(parent)) delete parent[keys[keys.length - 1]];
      return body;
    } },
    // The element of `field` shows the text `value` ("undefined", "[object Object]", "") while its
    // data-json stays right.
    text: { shown: (fault, panel, operationId) => {
      const text = fault.value === null || fault.value === undefined ? "" : String(fault.value);
      for (const node of shownElements(panel, operationId, fault.field)) node.textContent = text;
    } },
    // The element of `field` keeps the text of the previous answer (its data-json is the new one).
    stale: { shown: (fault, panel, operationId, before) => {
      for (const node of shownElements(panel, operationId, fault.field)) {
        if (before.has(node.dataset.testid)) node.textContent = before.get(node.dataset.testid);
      }
    } },
    // The element with data-testid `testid` (the form itself for op.<operationId>) is there twice.
    duplicate: { dom: (fault, form) => {
      const scope = form.dataset.testid === fault.testid ? form.parentElement : form;
      const found = scope.querySelectorAll(`[data-testid="${fault.testid}"]`);
      if (found.length === 1) found[0].after(found[0].cloneNode(true));
    } },
  };

  function faultsFor(service, operationId, hook) {
    return (config.faults || []).filter((f) => FAULTS[f.kind] && FAULTS[f.kind][hook]
      && (f.operation === operationId || f.operation === `${service}.${operationId}`));
  }

  // --- contracts -> operations and fields -----------------------------------------------

  function resolve(doc, schema) {
    let guard = 0;
    while (schema && schema.$ref && guard++ < 32) {
      const parts = schema.$ref.replace(/^#\//, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
      schema = parts.reduce((node, key) => (node ? node[key] : undefined), doc);
    }
    return schema || {};
  }

  function kindOf(schema) {
    let type = schema.type;
    if (Array.isArray(type)) type = type.find((t) => t !== "null");
    if (!type && Array.isArray(schema.enum)) type = schema.enum.every((v) => typeof v === "string") ? "string" : "json";
    if (!type && "const" in schema) type = typeof schema.const === "string" ? "string" : "json";
    if (type === "object" || type === "array" || !type) return "json";
    return type; // string | integer | number | boolean
  }

  // The inputs of a body schema: scalars get one input each, objects with declared
  // properties a fieldset of their own, anything else a JSON text area — so is an object
  // whose schema contains itself (a recursive $ref: a tree, a parent), where it recurs.
  function fieldsOf(doc, schema, prefix = "", enclosing = new Set()) {
    schema = resolve(doc, schema);
    const inside = new Set(enclosing).add(schema);
    const fields = [];
    for (const [name, raw] of Object.entries(schema.properties || {})) {
      const sub = resolve(doc, raw);
      const path = prefix ? `${prefix}.${name}` : name;
      const needed = (schema.required || []).includes(name);
      if (kindOf(sub) === "json" && sub.type === "object" && sub.properties && !inside.has(sub)) {
        fields.push({ path, group: fieldsOf(doc, sub, path, inside), required: needed });
      } else {
        fields.push({ path, kind: kindOf(sub), schema: sub, required: needed });
      }
    }
    return fields;
  }

  function operationsOf(doc) {
    const ops = [];
    for (const [path, written] of Object.entries(doc.paths || {})) {
      const item = resolve(doc, written); // a path item may be a $ref (components/pathItems)
      for (const method of METHODS) {
        const spec = item && item[method];
        if (!spec || !spec.operationId) continue;
        const declared = spec.security !== undefined ? spec.security : doc.security || [];
        const schemes = (doc.components && doc.components.securitySchemes) || {};
        const security = declared.some((req) => Object.keys(req).length === 0) ? []
          : declared.map((req) => Object.keys(req).map((name) => {
            const s = resolve(doc, schemes[name] || {});
            return { name, type: s.type, scheme: (s.scheme || "").toLowerCase(), in: s.in, name_: s.name };
          }));
        const shared = (item.parameters || []).map((p) => resolve(doc, p));
        const own = (spec.parameters || []).map((p) => resolve(doc, p));
        const params = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own]
          .filter((p) => p.in === "path" || p.in === "query" || p.in === "header").map((p) => ({ ...p, schema: resolve(doc, p.schema || {}) }));
        const body = spec.requestBody && resolve(doc, spec.requestBody);
        const content = (body && body.content) || {};
        const media = Object.keys(content).find((m) => /^application\/(.+\+)?json/.test(m))
          || Object.keys(content).find((m) => m.startsWith("text/plain")) || Object.keys(content)[0];
        const bodySchema = media && content[media].schema ? resolve(doc, content[media].schema) : null;
        const fields = bodySchema && bodySchema.properties && /json/.test(media) ? fieldsOf(doc, bodySchema) : [];
        ops.push({
          id: spec.operationId, method: method.toUpperCase(), path, summary: spec.summary || spec.operationId,
          security, params, media, hasBody: Boolean(media), fields, wholeBody: Boolean(media) && fields.length === 0,
          emptyBody: bodySchema && bodySchema.type === "object" ? {} : null,
        });
      }
    }
    return ops;
  }

  // --- rendering a page and its forms --------------------------------------------------

  function input(testid, field) {
    const attrs = { "data-testid": testid, name: testid, "data-kind": field.kind, autocomplete: "off" };
    const schema = field.schema || {};
    if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) {
      return el("select", attrs, el("option", { value: "", text: "" }),
        ...schema.enum.map((v) => el("option", { value: v, text: v })));
    }
    if (field.kind === "boolean") {
      return el("select", attrs, el("option", { value: "", text: "" }), el("option", { value: "true", text: "true" }),
        el("option", { value: "false", text: "false" }));
    }
    if (field.kind === "json") return el("textarea", { ...attrs, rows: 2, placeholder: "JSON" });
    return el("input", { ...attrs, type: "text", inputmode: field.kind === "string" ? undefined : "decimal" });
  }

  function labelled(name, control, required) {
    return el("label", {}, el("span", { class: required ? "required" : undefined, text: name }), control);
  }

  function renderFields(form, operationId, fields) {
    for (const field of fields) {
      const name = field.path.split(".").pop();
      if (field.group) {
        const set = el("fieldset", { "data-testid": `${operationId}.${field.path}` }, el("legend", { text: field.path }));
        renderFields(set, operationId, field.group);
        form.append(set);
      } else {
        form.append(labelled(name, input(`${operationId}.${field.path}`, field), field.required));
      }
    }
  }

  function applyDomFaults(service, operationId, form) {
    for (const fault of faultsFor(service, operationId, "dom")) FAULTS[fault.kind].dom(fault, form);
  }

  function renderOperation(service, op) {
    const form = el("form", { class: "op", "data-testid": `op.${op.id}`, "data-operation": op.id, novalidate: true },
      el("h3", { text: op.summary }), el("p", { class: "route", text: `${op.method} ${op.path}` }));
    for (const p of op.params) {
      form.append(labelled(`${p.name} (${p.in})`, input(`${op.id}.$${p.in}.${p.name}`, { kind: kindOf(p.schema || {}), schema: p.schema }),
        p.required));
    }
    renderFields(form, op.id, op.fields);
    if (op.wholeBody) {
      form.append(labelled(`body (${op.media})`, input(`${op.id}.$body`, { kind: /json/.test(op.media) ? "json" : "string" }), true));
    }
    form.append(el("button", { type: "submit", "data-testid": `${op.id}.submit`, text: "Send" }));
    const answer = el("div", { class: "answer", "data-testid": `${op.id}.answer`, "data-seq": "0", "data-state": "idle",
      "aria-live": "polite" });
    form.append(answer);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(service, op, form, answer);
    });
    return form;
  }

  function renderService(name, doc) {
    const info = doc.info || {};
    const page = el("section", { class: "page", "data-testid": `service.${name}`, hidden: true },
      el("h2", { text: name }), el("p", { text: info.title || "" }));
    const ops = el("div", { class: "ops" });
    for (const op of operationsOf(doc)) ops.append(renderOperation(name, op));
    page.append(ops);
    return page;
  }

  function showPage() {
    const wanted = decodeURIComponent(location.hash.replace(/^#\/?/, "")) || Object.keys(config.services)[0];
    for (const page of document.querySelectorAll("section.page")) {
      page.hidden = page.dataset.testid !== `service.${wanted}`;
    }
    for (const link of document.querySelectorAll(".nav a")) {
      if (link.dataset.testid === `nav.${wanted}`) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  // --- sending a request and showing its answer ----------------------------------------

  function valueOf(control) {
    const text = control.value;
    switch (control.dataset.kind) {
      case "integer": case "number": { const n = Number(text); return text.trim() === "" || Number.isNaN(n) ? text : n; }
      case "boolean": return text === "true" ? true : text === "false" ? false : text;
      case "json": try { return JSON.parse(text); } catch { return text; }
      default: return text;
    }
  }

  // An empty input leaves its field out of the body.
  function bodyOf(form, operationId, op) {
    if (op && op.wholeBody) {
      const control = form.querySelector(`[data-testid="${operationId}.$body"]`);
      if (!control || control.value === "") return undefined;
      return /json/.test(op.media) ? valueOf(control) : control.value;
    }
    const body = {};
    for (const control of form.querySelectorAll("input, select, textarea")) {
      const path = control.dataset.testid.slice(operationId.length + 1);
      if (path.startsWith("$") || control.value === "") continue;
      setPath(body, path, valueOf(control));
    }
    return body;
  }

  // A parameter's value as its style spells it: an array (JSON typed into the input) joined, or
  // repeated in the query (form, exploded); a scalar as typed.
  function paramValues(p, control) {
    const value = kindOf(p.schema || {}) === "json" ? valueOf(control) : control.value;
    if (!Array.isArray(value)) return [String(value)];
    const style = p.style || (p.in === "query" ? "form" : "simple");
    const explode = p.explode !== undefined ? p.explode : style === "form";
    if (p.in === "query" && style === "form" && explode) return value.map(String);
    return [value.map(String).join({ spaceDelimited: " ", pipeDelimited: "|" }[style] || ",")];
  }

  // The header parameters the form gives (an empty input sends none).
  function headerParams(op, form) {
    const out = {};
    for (const p of op.params.filter((q) => q.in === "header")) {
      const control = form.querySelector(`[data-testid="${op.id}.$header.${p.name}"]`);
      if (control && control.value !== "") out[p.name] = paramValues(p, control)[0];
    }
    return out;
  }

  function urlOf(service, op, form, authQuery = []) {
    let path = op.path;
    for (const fault of faultsFor(service, op.id, "path")) path = FAULTS[fault.kind].path(fault, path);
    const query = new URLSearchParams();
    for (const p of op.params) {
      const control = form.querySelector(`[data-testid="${op.id}.$${p.in}.${p.name}"]`);
      if (!control || control.value === "") continue;
      const values = paramValues(p, control);
      if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(values[0]));
      else if (p.in === "query") for (const v of values) query.append(p.name, v);
    }
    for (const [name, value] of authQuery) query.append(name, value);
    const qs = query.toString();
    return config.services[service].base_url.replace(/\/$/, "") + path + (qs ? `?${qs}` : "");
  }

  async function send(service, op, form, answer) {
    const seq = Number(answer.dataset.seq) || 0;
    const before = new Map([...answer.querySelectorAll("[data-testid]")].map((n) => [n.dataset.testid, n.textContent]));
    answer.dataset.state = "pending";
    answer.replaceChildren(el("span", { text: "sending…" }));
    const auth = authOf(service, op);
    const headers = { Accept: "application/json", ...headerParams(op, form), ...auth.headers };
    const init = { method: op.method, headers, credentials: presentCookies(op, auth.cookies) };
    if (op.hasBody) {
      const json = /json/.test(op.media);
      headers["Content-Type"] = json ? "application/json" : op.media;
      const body = bodyOf(form, op.id, op);
      init.body = json ? JSON.stringify(body === undefined ? op.emptyBody : body) : (body || "");
    }
    try {
      const response = await fetch(urlOf(service, op, form, auth.query), init);
      const text = await response.text();
      let body = text === "" ? null : text;
      if ((response.headers.get("content-type") || "").includes("json")) {
        try { body = text === "" ? null : JSON.parse(text); } catch { /* keep the text */ }
      }
      if (response.ok) keepSession(body);
      for (const fault of faultsFor(service, op.id, "answer")) body = FAULTS[fault.kind].answer(fault, body);
      renderAnswer(answer, op.id, response.status, response.statusText, body);
      for (const fault of faultsFor(service, op.id, "shown")) FAULTS[fault.kind].shown(fault, answer, op.id, before);
      applyDomFaults(service, op.id, form);
      answer.dataset.state = "done";
    } catch (error) {
      answer.replaceChildren(el("p", { class: "failure", "data-testid": `${op.id}.error`, text: `No answer: ${error.message}` }));
      answer.dataset.state = "failed";
    }
    answer.dataset.seq = String(seq + 1); // last: the answer is complete once data-seq moves
  }

  function shown(path, value) {
    if (SECRET.test(path) && value !== null && value !== "") return "•••••• (hidden)";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function renderField(list, operationId, path, value) {
    const dd = el("dd", { "data-testid": `${operationId}.result.${path}`, "data-json": JSON.stringify(value) });
    if (isObject(value) && Object.keys(value).length > 0) {
      const nested = el("dl");
      for (const [key, sub] of Object.entries(value)) renderField(nested, operationId, `${path}.${key}`, sub);
      dd.append(nested);
    } else {
      dd.textContent = shown(path, value);
    }
    list.append(el("dt", { text: path.split(".").pop() }), dd);
  }

  function renderAnswer(answer, operationId, status, statusText, body) {
    const ok = status >= 200 && status < 300;
    const parts = [el("span", { class: `status ${ok ? "ok" : "bad"}`, "data-testid": `${operationId}.status`,
      "data-json": JSON.stringify(status), text: `${status} ${statusText}`.trim() })];
    if (isObject(body)) {
      const list = el("dl", { "data-testid": `${operationId}.result` });
      for (const [key, value] of Object.entries(body)) {
        if (key === "issues" && Array.isArray(value)) continue;
        renderField(list, operationId, key, value);
      }
      parts.push(list);
      if (Array.isArray(body.issues)) {
        const issues = el("ul", { "data-testid": `${operationId}.issues` });
        for (const issue of body.issues) {
          const where = (issue.path || []).join(".");
          issues.append(el("li", { "data-testid": `${operationId}.issue`, "data-path": where, "data-json": JSON.stringify(issue),
            text: `${where || "(body)"}: ${issue.message || issue.code}` }));
        }
        parts.push(issues);
      }
    } else {
      parts.push(el("pre", { "data-testid": `${operationId}.result`, "data-json": JSON.stringify(body),
        text: body === null ? "(empty)" : shown("", body) }));
    }
    answer.replaceChildren(...parts);
  }

  // --- start ---------------------------------------------------------------------------

  async function start() {
    config = await getJson("config.json");
    sessionKey = (config.session && config.session.storage_key) || sessionKey;
    app.dataset.sessionKey = sessionKey;
    const nav = document.querySelector('[data-testid="nav"]');
    const pages = document.querySelector('[data-testid="pages"]');
    const services = Object.entries(config.services);
    const docs = await Promise.all(services.map(([, svc]) => getJson(svc.contract)));
    services.forEach(([name], i) => {
      nav.append(el("a", { href: `#/${name}`, "data-testid": `nav.${name}`, text: name }));
      pages.append(renderService(name, docs[i]));
    });
    for (const form of [...document.querySelectorAll("form.op")]) {
      applyDomFaults(form.closest("section.page").dataset.testid.slice("service.".length), form.dataset.operation, form);
    }
    document.querySelector('[data-testid="session.logout"]').addEventListener("click", logOut);
    window.addEventListener("hashchange", showPage);
    window.addEventListener("storage", showSession);
    window.addEventListener("odmd:session", showSession); // the harness dispatches it after setting the token
    showPage();
    showSession();
    app.dataset.ready = "true";
  }

  start().catch((error) => {
    const box = document.querySelector('[data-testid="app.error"]');
    box.textContent = `The web client could not start: ${error.message}`;
    box.hidden = false;
    app.dataset.ready = "error";
  });
})();
