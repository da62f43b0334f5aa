"""Generic page objects: drive any web client that follows docs/WEB_CLIENT_CONVENTION.md.

Nothing here knows a service or an operation. A page object is found by data-testid:

    WebClientPage      app (data-ready, data-session-key), nav.<service>
    ServicePage        service.<service>
    OperationForm      op.<operationId>, its inputs <operationId>.<field.path> /
                       <operationId>.$path.<name> / <operationId>.$query.<name>, <operationId>.submit
    ShownAnswer        <operationId>.answer (data-seq, data-state), .status, .result[.<field>],
                       .issues/.issue, .error

Waiting is Playwright's auto-waiting with a deadline (never a sleep): actions wait for their
element to be actionable, and an answer is complete when the panel's data-seq moves past the
value it had before the click (`_when`: checked on every DOM change, not only once per frame).

Round trips are few on purpose: what the harness only reads (does the page, the form, the
panel, the button exist; is the page visible; the form's controls; data-seq; the answer, its
data-json and its visible text) is read with one `page.evaluate` per step rather than one
Playwright call per element. With the trace on (the default, for failures), every Playwright
call also makes the browser take DOM snapshots; per action this halves the calls (bench/: the
GUI layer's cost vs bare Playwright).

Lookups are strict: where the convention needs one element with a data-testid (in its scope:
the document, the service's page, the form, the answer panel), two fail with a
GuiConventionError naming the test id and the count; no lookup takes the first of several.
The read-only round trips count the matches as they look; the Playwright locators act only
on elements those counts found unique (and are strict themselves).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from odmd_bdd.errors import OdmdError

CONVENTION = "docs/WEB_CLIENT_CONVENTION.md"
DEFAULT_SESSION_KEY = "odmd.session_token"
_MISSING = object()

# Strict lookups by data-testid: `one(root, id)` is the element with that test id inside `root`;
# more than one records the first duplicate in `dup` (returned to Python, which raises).
# `find(ids)` chains them, each inside the one before.
_FIND_JS = """let dup = null;
  const esc = (id) => id.replace(/["\\\\]/g, '\\\\$&');
  const css = (id) => `[data-testid="${esc(id)}"]`;
  const one = (root, id) => {
    if (!root) return null;
    const all = root.querySelectorAll(css(id));
    if (all.length > 1 && !dup) dup = {testid: id, count: all.length};
    return all[0] || null;
  };
  const find = (ids) => ids.reduce((el, id) => one(el, id), document);
  """

# Playwright's definition of visible: a non-empty box, visibility visible.
_VISIBLE_JS = """const isVisible = (el) => {
    const box = el.getBoundingClientRect();
    return getComputedStyle(el).visibility === 'visible' && box.width > 0 && box.height > 0;
  };
  """

# One round trip: is the service's page there and visible, is its navigation link there (and
# is each one of a kind).
_SECTION_JS = (
    """([section, nav]) => {
  """
    + _FIND_JS
    + _VISIBLE_JS
    + """const page = find([section]);
  const pageDup = dup;
  const visible = !!page && isVisible(page);
  dup = null;
  const link = find([nav]);
  return {section: !!page, visible, nav: !!link, dup: pageDup, navDup: dup};
}"""
)

# One round trip: the form's controls (what the harness needs to fill them), whether its answer
# panel and submit button are there, and the panel's data-seq. null: no such form.
_FORM_JS = (
    """([section, form, answer, submit]) => {
  """
    + _FIND_JS
    + """const found = find([section, form]);
  if (!found) return {form: null, dup};
  const panel = one(found, answer), button = one(found, submit);
  return {
    form: {
      controls: [...found.querySelectorAll('input[data-testid], select[data-testid], textarea[data-testid]')]
        .map(c => ({testid: c.dataset.testid, tag: c.tagName.toLowerCase(), type: (c.type || '').toLowerCase(),
                    value: c.type === 'checkbox' ? String(c.checked) : c.value,
                    options: c.tagName === 'SELECT' ? [...c.options].map(o => o.value) : null})),
      answer: !!panel, seq: panel ? panel.getAttribute('data-seq') : null, submit: !!button,
    },
    dup,
  };
}"""
)

# One round trip: everything the answer panel shows, as the raw data-json strings and the visible
# text of each element (innerText; null when it is not rendered: display none, visibility hidden).
_ANSWER_JS = (
    """([ids, op]) => {
  """
    + _FIND_JS
    + """const panel = find(ids);
  if (!panel) return {dup};
  const text = (node) => node.checkVisibility && !node.checkVisibility({visibilityProperty: true, checkVisibilityCSS: true})
    ? null : node.innerText;
  const status = one(panel, `${op}.status`), result = one(panel, `${op}.result`), error = one(panel, `${op}.error`);
  const issues = one(panel, `${op}.issues`);
  const fields = {}, texts = {};
  for (const node of panel.querySelectorAll(`[data-testid^="${esc(op)}.result."]`)) {
    const path = node.dataset.testid.slice(op.length + 8);
    if (Object.prototype.hasOwnProperty.call(fields, path)) { one(panel, node.dataset.testid); continue; }
    fields[path] = node.getAttribute('data-json');
    texts[path] = text(node);
  }
  const items = issues ? [...issues.querySelectorAll(css(`${op}.issue`))] : null;
  return {
    state: panel.dataset.state || null,
    status: status ? status.getAttribute('data-json') : null,
    statusText: status ? text(status) : null,
    whole: result && result.hasAttribute('data-json') ? result.getAttribute('data-json') : null,
    fields,
    texts,
    issues: items ? items.map(i => i.getAttribute('data-json')) : null,
    issueTexts: items ? items.map(text) : null,
    error: error ? error.textContent : null,
    dup,
  };
}"""
)

# One round trip once the client is ready: the app element (how many), its state, and why it failed.
_READY_JS = """() => {
  const apps = document.querySelectorAll('[data-testid="app"]');
  if (apps.length !== 1) return {count: apps.length};
  const app = apps[0], error = document.querySelector('[data-testid="app.error"]');
  return {count: 1, ready: app.getAttribute('data-ready'), key: app.getAttribute('data-session-key'),
          error: error ? error.textContent : null};
}"""


def _when(condition: str) -> str:
    """A `wait_for_function` predicate that settles as soon as `condition(arg)` holds.

    Playwright checks a predicate, or a locator's state, once per animation frame (60 a second):
    an answer rendered just after a frame is seen one frame later. This one is also checked on
    every DOM change (a MutationObserver), so the wait ends with the change that satisfies it;
    the frame loop stays for what no DOM change announces (styles, layout). Playwright still
    enforces the timeout, and runs the predicate again in the new document after a navigation."""
    return (
        "(arg) => new Promise((resolve) => {\n  const condition = "
        + condition
        + """;
  let done = false;
  const check = () => {
    if (done || !condition(arg)) return;
    done = true;
    observer.disconnect();
    resolve(true);
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const frame = () => { check(); if (!done) requestAnimationFrame(frame); };
  frame();
})"""
    )


# Until the client is ready (or broken: an error, two app elements).
_READY_WAIT_JS = _when(
    """() => {
  const apps = document.querySelectorAll('[data-testid="app"]');
  return apps.length > 1 || (apps.length === 1 && ['true', 'error'].includes(apps[0].getAttribute('data-ready')));
}"""
)

# Until the answer panel (the first of the chain `ids`) carries data-seq `seq`.
_SEQ_WAIT_JS = _when(
    """([ids, seq]) => {
  """
    + _FIND_JS
    + """const panel = find(ids);
  return !!panel && panel.getAttribute('data-seq') === seq;
}"""
)

# Until the service's page (data-testid `section`) is visible.
_SECTION_WAIT_JS = _when(
    """([section]) => {
  """
    + _FIND_JS
    + _VISIBLE_JS
    + """const page = find([section]);
  return !!page && isVisible(page);
}"""
)

_SET_TOKEN_JS = """([key, token]) => {
  if (token === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, token);
  window.dispatchEvent(new Event('odmd:session'));
}"""


class GuiConventionError(AssertionError):
    """The web client lacks an element the convention requires, or shows something unreadable."""


def _missing(what: str, testid: str) -> GuiConventionError:
    return GuiConventionError(f"the web client has no {what} (data-testid={testid!r}; see {CONVENTION})")


def _duplicated(testid: str, count: int, scope: list[str]) -> GuiConventionError:
    inside = f" inside {' / '.join(scope)}" if scope else ""
    return GuiConventionError(
        f"the web client has {count} elements with data-testid={testid!r}{inside} where the "
        f"convention requires one (see {CONVENTION})"
    )


def _strict(dup: dict[str, Any] | None, chain: list[str]) -> None:
    """Raise for the duplicate a strict JS lookup recorded; `chain`: the test ids it looked for,
    each inside the one before (the duplicate's scope is the part of the chain before it)."""
    if dup:
        testid = dup["testid"]
        raise _duplicated(testid, dup["count"], chain[: chain.index(testid)] if testid in chain else chain)


def _json(raw: str | None, where: str) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise GuiConventionError(f"{where}: data-json is not JSON: {raw[:80]!r} (see {CONVENTION})") from None


def _text(value: Any) -> str:
    """What the harness types for a value: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class ShownAnswer:
    """What the answer panel shows after one submit."""

    operation: str
    state: str | None
    status: int | None
    status_text: str | None  # the status element's visible text (None: not rendered)
    body: Any
    fields: dict[str, Any] = field(default_factory=dict)  # every shown field path (nested too) -> value
    error: str | None = None
    texts: dict[str, str | None] = field(default_factory=dict)  # field path -> visible text (None: not rendered)
    issue_texts: list[str | None] = field(default_factory=list)  # the visible text of each issue item
    # The texts of the operation's previous answer on this page (to say a text is a stale one).
    previous_texts: dict[str, str | None] = field(default_factory=dict)
    previous_status_text: str | None = None

    @property
    def failed(self) -> bool:
        return self.state == "failed"


class WebClientPage:
    def __init__(self, page: Page, url: str, timeout_s: float):
        self.page = page
        self.url = url
        self.timeout_ms = timeout_s * 1000
        self.session_key = DEFAULT_SESSION_KEY
        self.opened = False
        self.shown: dict[str, ShownAnswer] = {}  # "<service> <operationId>" -> the last answer read

    def open(self) -> WebClientPage:
        try:
            self.page.goto(self.url, wait_until="domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightError as exc:
            raise OdmdError(f"the web client at {self.url} cannot be opened: {str(exc).splitlines()[0]}") from None
        try:
            self.page.wait_for_function(_READY_WAIT_JS, timeout=self.timeout_ms)
        except PlaywrightTimeoutError:
            raise GuiConventionError(
                f"the web client at {self.url} did not become ready within "
                f'{self.timeout_ms / 1000:g}s (data-testid=app with data-ready="true"; '
                f"see {CONVENTION})"
            ) from None
        ready = self.page.evaluate(_READY_JS)
        if ready["count"] != 1:
            raise _duplicated("app", ready["count"], [])
        if ready["ready"] == "error":
            detail = ready["error"] if ready["error"] is not None else "no app.error element"
            raise OdmdError(f"the web client at {self.url} failed to start: {detail}")
        self.session_key = ready["key"] or DEFAULT_SESSION_KEY
        self.opened = True
        return self

    # --- the session token (sessionStorage[data-session-key]) -----------------------------

    def session_token(self) -> str | None:
        return self.page.evaluate("key => sessionStorage.getItem(key)", self.session_key)

    def set_session_token(self, token: str | None) -> None:
        self.page.evaluate(_SET_TOKEN_JS, [self.session_key, token])

    # --- navigation ---------------------------------------------------------------------

    def service(self, name: str) -> ServicePage:
        found = self.page.evaluate(_SECTION_JS, [f"service.{name}", f"nav.{name}"])
        if not found["section"]:
            raise _missing(f"page for {name}", f"service.{name}")
        _strict(found["dup"], [])
        section = self.page.get_by_test_id(f"service.{name}")
        if not found["visible"]:
            if not found["nav"]:
                raise _missing(f"navigation link to {name}", f"nav.{name}")
            _strict(found["navDup"], [])
            self.page.get_by_test_id(f"nav.{name}").click()
            try:
                self.page.wait_for_function(_SECTION_WAIT_JS, arg=[f"service.{name}"], timeout=self.timeout_ms)
            except PlaywrightTimeoutError:
                raise AssertionError(
                    f"the web client's page service.{name} did not show within "
                    f"{self.timeout_ms / 1000:g}s of clicking nav.{name}"
                ) from None
        return ServicePage(self, name, section)


class ServicePage:
    def __init__(self, client: WebClientPage, name: str, section: Locator):
        self.client = client
        self.name = name
        self.section = section

    def operation(self, operation_id: str) -> OperationForm:
        """The form; whether it exists is checked by its first fill or submit, in the same round trip."""
        form = self.section.get_by_test_id(f"op.{operation_id}")
        return OperationForm(self.client, self.name, operation_id, form)


class OperationForm:
    def __init__(self, client: WebClientPage, service: str, operation_id: str, form: Locator):
        self.client = client
        self.service = service
        self.op = operation_id
        self.form = form
        self._scope = [f"service.{service}", f"op.{operation_id}"]  # the test ids the form is found in
        self._state: dict[str, Any] | None = None  # what _FORM_JS read, until the next submit

    def _inspect(self) -> dict[str, Any]:
        if self._state is None:
            found = self.client.page.evaluate(_FORM_JS, [*self._scope, f"{self.op}.answer", f"{self.op}.submit"])
            state = found["form"]
            if state is None:
                raise _missing(f"form for {self.label}", f"op.{self.op}")
            _strict(found["dup"], self._scope)
            seen: dict[str, int] = {}
            for control in state["controls"]:
                seen[control["testid"]] = seen.get(control["testid"], 0) + 1
            for testid, count in seen.items():
                if count > 1:
                    raise _duplicated(testid, count, self._scope)
            self._state = state
        return self._state

    @property
    def label(self) -> str:
        return f"{self.service} {self.op}"

    def _plan(
        self,
        controls: dict[str, dict],
        body: Any,
        path: dict[str, Any],
        query: dict[str, Any],
        headers: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """testid -> value for every control the action sets; a value without a control fails."""
        plan: dict[str, Any] = {}
        missing: list[str] = []
        for prefix, params in (("$path", path), ("$query", query), ("$header", headers or {})):
            for name, value in (params or {}).items():
                testid = f"{self.op}.{prefix}.{name}"
                if testid in controls:
                    plan[testid] = value
                else:
                    missing.append(f"{prefix[1:]} parameter {name}")

        def walk(value: Any, dotted: str) -> None:
            testid = f"{self.op}.{dotted}"
            if testid in controls:
                plan[testid] = value
            elif isinstance(value, dict) and any(t.startswith(testid + ".") for t in controls):
                for key, sub in value.items():
                    walk(sub, f"{dotted}.{key}")
            else:
                missing.append(f"field {dotted}")

        whole = f"{self.op}.$body"  # the body typed whole (an array, text): WEB_CLIENT_CONVENTION.md
        if whole in controls and body is not None:
            plan[whole] = body
        elif isinstance(body, dict):
            for key, value in body.items():
                walk(value, key)
        elif body is not None:
            missing.append(f"a body that is not an object ({type(body).__name__})")
        if missing:
            raise GuiConventionError(
                f"the web client's form for {self.label} has no input for "
                f"{', '.join(missing)}, so the GUI cannot send this request "
                f"(expected data-testid {self.op}.<field>; see {CONVENTION})"
            )
        return plan

    def fill(
        self,
        body: Any,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Set every input the action names and clear the others (an empty input omits its field)."""
        controls = {c["testid"]: c for c in self._inspect()["controls"]}
        plan = self._plan(controls, body, path or {}, query or {}, headers or {})
        for testid, control in controls.items():
            wanted = plan.get(testid, _MISSING)
            locator = self.form.get_by_test_id(testid)
            if control["type"] == "checkbox":
                checked = bool(wanted) if wanted is not _MISSING else False
                if (control["value"] == "true") != checked:
                    locator.set_checked(checked)
                continue
            text = "" if wanted is _MISSING else _text(wanted)
            if text == control["value"]:
                continue
            if control["tag"] == "select":
                if text not in control["options"]:
                    if wanted is _MISSING:
                        continue  # a select without an empty option cannot be cleared; leave it
                    raise GuiConventionError(
                        f"the web client's {testid} offers no option {text!r} "
                        f"(options: {control['options']}), so the GUI cannot send this request"
                    )
                locator.select_option(value=text)
            else:
                locator.fill(text)

    def submit(self) -> ShownAnswer:
        # data-seq as read with the controls: filling inputs never shows an answer.
        state, self._state = self._inspect(), None
        if not state["answer"]:
            raise _missing(f"answer panel of {self.label}", f"{self.op}.answer")
        panel = self.form.get_by_test_id(f"{self.op}.answer")
        before = state["seq"]
        try:
            seq = int(before or "0")
        except ValueError:
            raise GuiConventionError(
                f"{self.op}.answer: data-seq {before!r} is not a number (see {CONVENTION})"
            ) from None
        if not state["submit"]:
            raise _missing(f"submit button of {self.label}", f"{self.op}.submit")
        self.form.get_by_test_id(f"{self.op}.submit").click()
        chain = [*self._scope, f"{self.op}.answer"]
        try:
            self.client.page.wait_for_function(_SEQ_WAIT_JS, arg=[chain, str(seq + 1)], timeout=self.client.timeout_ms)
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"the web client showed no answer for {self.label} within "
                f"{self.client.timeout_ms / 1000:g}s (data-testid={self.op}.answer, "
                f"data-seq stayed at {panel.get_attribute('data-seq')!r})"
            ) from None
        return self.read(panel)

    def read(self, panel: Locator | None = None) -> ShownAnswer:
        """What the answer panel shows (`panel` is not needed: the panel is found by data-testid)."""
        chain = [*self._scope, f"{self.op}.answer"]
        raw = self.client.page.evaluate(_ANSWER_JS, [chain, self.op])
        _strict(raw["dup"], chain)
        if "fields" not in raw:
            raise _missing(f"answer panel of {self.label}", f"{self.op}.answer")
        where = f"the web client's answer for {self.label}"
        status = _json(raw["status"], f"{where}: {self.op}.status")
        fields = {path: _json(value, f"{where}: {self.op}.result.{path}") for path, value in raw["fields"].items()}
        if raw["whole"] is not None:
            body: Any = _json(raw["whole"], f"{where}: {self.op}.result")
        elif fields or raw["issues"] is not None:
            # The body is the top-level fields; nested elements only repeat parts of them.
            body = {path: value for path, value in fields.items() if "." not in path}
            if raw["issues"] is not None:
                body["issues"] = [_json(issue, f"{where}: {self.op}.issue") for issue in raw["issues"]]
        else:
            body = None
        if raw["state"] != "failed" and not isinstance(status, int):
            raise GuiConventionError(
                f"{where}: {self.op}.status shows no numeric status (data-json={raw['status']!r}; see {CONVENTION})"
            )
        before = self.client.shown.get(self.label)
        shown = ShownAnswer(
            self.op,
            raw["state"],
            status,
            raw["statusText"],
            body,
            fields,
            raw["error"],
            texts=raw["texts"],
            issue_texts=raw["issueTexts"] or [],
            previous_texts=before.texts if before else {},
            previous_status_text=before.status_text if before else None,
        )
        self.client.shown[self.label] = shown
        return shown
