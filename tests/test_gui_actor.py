"""The GUI actor against the real embedded enver and a real Chromium (no mocks).

Checks that the GUI layer observes exactly what the API layer observes, that the session
token follows Action.auth, and that each planted web client bug fails the action with a
message naming what differs. The last tests drive a hand-written client on another origin,
to show the convention (not the reference client's generated forms) is what the harness needs.
"""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path

import pytest

from odmd_bdd.actors import NO_AUTH, Action, ApiActor, World
from odmd_bdd.actors.gui import GuiActor
from odmd_bdd.errors import ContractViolation, OdmdError
from odmd_bdd.gui.pages import GuiConventionError
from odmd_bdd.gui.session import GuiSession
from odmd_bdd.localenv import ClientFault, Fault
from odmd_bdd.redaction import Redactor
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.transports import HttpTransport

UC1 = ("UC1.login", "UC1.register_root_key", "UC1.create_root_entity")


class KeptRecorder(Recorder):
    """Keeps each redacted record (outside a scenario there is no Allure test to attach to)."""

    def __init__(self, redactor: Redactor):
        super().__init__(redactor)
        self.kept: list[tuple[str, dict]] = []

    def exchange(self, exchange, layer: str) -> None:
        self.kept.append((layer, exchange.redacted(self.redactor)))


@pytest.fixture
def planted(local_enver):
    """Client faults (and service faults) planted by a test, cleared afterwards."""
    local_enver.web_client.faults.clear()
    local_enver.faults.clear()
    yield local_enver
    local_enver.web_client.faults.clear()
    local_enver.faults.clear()


@pytest.fixture
def redactor(reference_constellation):
    return Redactor(reference_constellation.dataset.constants.secret_values())


@pytest.fixture
def gui(browser, embedded_view, local_enver, planted, redactor):
    """A GUI actor on a fresh context of the reference web client; `gui(url=..., timeout=...)` for others."""
    sessions = []

    def make(url: str | None = None, timeout: float = 5.0) -> GuiActor:
        world = World()
        session = GuiSession(
            browser, embedded_view, url or local_enver.web_client_url, world.run_id, timeout, trace=False
        ).open()
        sessions.append(session)
        return GuiActor(session, embedded_view, world, KeptRecorder(redactor))

    yield make
    for session in sessions:
        session.close()


def action(dataset, ref, **kwargs) -> Action:
    return Action.from_case(dataset.case(ref), **kwargs)


def log_in(actor, dataset):
    answer = actor.perform(action(dataset, "UC1.login", auth=NO_AUTH))
    actor.world.session_token = answer.body["session_token"]
    return answer


def test_the_gui_observes_what_the_api_observes_for_every_uc1_step(
    gui, embedded_view, redactor, reference_constellation
):
    dataset = reference_constellation.dataset
    transport = HttpTransport()
    try:
        api = ApiActor(embedded_view, transport, World(), KeptRecorder(redactor))
        ui = gui()
        for ref in UC1:
            auth = NO_AUTH if ref == "UC1.login" else "session"
            by_api, by_gui = (actor.perform(action(dataset, ref, auth=auth)) for actor in (api, ui))
            assert (by_gui.status, by_gui.body) == (by_api.status, by_api.body), ref
            if ref == "UC1.login":
                api.world.session_token = ui.world.session_token = by_gui.body["session_token"]
    finally:
        transport.close()


def test_each_request_of_the_page_is_an_exchange_with_the_run_header_and_redacted(
    gui, reference_constellation, redactor
):
    dataset = reference_constellation.dataset
    ui = gui()
    log_in(ui, dataset)
    answer = ui.perform(action(dataset, "UC1.register_root_key"))
    [exchange] = answer.exchanges
    assert (exchange.transport, exchange.service, exchange.operation_id, exchange.status) == (
        "browser",
        "key-service",
        "registerKey",
        201,
    )
    assert exchange.request_headers["x-odmd-run"] == ui.world.run_id  # as the browser sent it, names in lower case
    assert exchange.request_body == dataset.case("UC1.register_root_key").request["body"]
    [(layer, record)] = ui.recorder.kept[-1:]
    assert layer == "gui" and record["operation"] == "key-service registerKey"
    assert record["request"]["headers"]["authorization"] == "Bearer ***redacted***"
    assert "mock_auth_jwt_token_for_testing" not in str(ui.recorder.kept)


def test_the_session_token_follows_the_actions_auth(gui, reference_constellation):
    dataset = reference_constellation.dataset
    wrong = str(dataset.constants["WRONG_AUTH_JWT_TOKEN"])
    ui = gui()
    log_in(ui, dataset)
    assert ui.perform(action(dataset, "UC1.register_root_key", auth=NO_AUTH)).status == 401
    assert ui.perform(action(dataset, "UC1.register_root_key", auth=wrong)).status == 401
    assert ui.perform(action(dataset, "UC1.register_root_key")).status == 201  # the session is back
    assert ui.session.client.session_token() == ui.world.session_token


def test_an_action_that_needs_a_session_before_any_login_says_so(gui, reference_constellation):
    with pytest.raises(OdmdError, match="needs a session, but no step of this scenario has logged in"):
        gui().perform(action(reference_constellation.dataset, "UC1.register_root_key"))


def test_a_client_that_shows_a_wrong_value_fails_naming_the_field(gui, planted, reference_constellation):
    planted.web_client.faults.replace(
        [ClientFault(kind="show", operation="identity-service.login", field="user_id", value="user_99999_fake")]
    )
    with pytest.raises(AssertionError) as caught:
        log_in(gui(), reference_constellation.dataset)
    assert str(caught.value) == (
        "[gui] identity-service login (UC1.login): the web client shows other than the "
        "service answered:\n  - user_id: shown 'user_99999_fake', answered 'user_12345_system'"
    )


ANSWERED_LOGIN = "[gui] identity-service login (UC1.login): the web client shows other than the service answered:"


@pytest.mark.parametrize(
    "text, said",
    [
        ("undefined", '"undefined"'),
        ("[object Object]", '"[object Object]"'),
        ("", '"" (no text)'),
        ("null", '"null"'),
        ("user_12345", '"user_12345"'),
    ],
)
def test_a_client_whose_text_is_not_the_value_fails_though_its_data_json_is_right(
    gui, planted, reference_constellation, text, said
):
    planted.web_client.faults.replace([ClientFault(kind="text", operation="login", field="user_id", value=text)])
    ui = gui()
    with pytest.raises(AssertionError) as caught:
        log_in(ui, reference_constellation.dataset)
    assert str(caught.value) == (
        f'{ANSWERED_LOGIN}\n  - user_id: the page shows {said}, the service answered "user_12345_system"'
    )
    assert ui.world.last.body["user_id"] == "user_12345_system"  # what data-json said: the wire value


def test_a_status_whose_text_is_not_the_code_fails_naming_it(gui, planted, reference_constellation):
    planted.web_client.faults.replace([ClientFault(kind="text", operation="login", field="$status", value="OK")])
    with pytest.raises(AssertionError) as caught:
        log_in(gui(), reference_constellation.dataset)
    assert str(caught.value) == f'{ANSWERED_LOGIN}\n  - status: the page shows "OK", the service answered 200'


def test_a_credential_field_may_be_masked_but_not_blank_and_its_value_is_never_printed(
    gui, planted, reference_constellation
):
    ui = gui()
    log_in(ui, reference_constellation.dataset)  # the reference client shows session_token as a mask: right
    assert ui.session.client.shown["identity-service login"].texts["session_token"] == "•••••• (hidden)"
    planted.web_client.faults.replace([ClientFault(kind="text", operation="login", field="session_token", value="")])
    with pytest.raises(AssertionError) as caught:
        log_in(gui(), reference_constellation.dataset)
    assert str(caught.value) == (
        f'{ANSWERED_LOGIN}\n  - session_token: the page shows "" (no text), the service answered a credential '
        "(not printed)"
    )
    assert "mock_auth_jwt_token_for_testing" not in str(caught.value)


def test_a_field_keeping_the_text_of_the_previous_answer_fails_naming_both_values(
    gui, planted, reference_constellation
):
    dataset = reference_constellation.dataset
    planted.web_client.faults.replace([ClientFault(kind="stale", operation="createEntity", field="entity_id")])
    ui = gui()
    log_in(ui, dataset)
    ui.perform(action(dataset, "UC1.create_root_entity"))  # the first answer is shown right
    with pytest.raises(AssertionError) as caught:
        ui.perform(action(dataset, "UC2.create_child_entity"))
    root, child = (str(dataset.constants[name]) for name in ("ROOT_ENTITY_ID", "CHILD_ENTITY_ID"))
    assert str(caught.value) == (
        "[gui] identity-service createEntity (UC2.create_child_entity): the web client shows other than the "
        f'service answered:\n  - entity_id: the page shows "{root}", the service answered "{child}" '
        "(the text it showed for the previous answer)"
    )


def test_an_issue_whose_text_lacks_its_message_fails_naming_it(gui, planted, reference_constellation):
    dataset = reference_constellation.dataset
    planted.web_client.faults.replace(
        [ClientFault(kind="text", operation="registerKey", field="$issues", value="public_key: undefined")]
    )
    ui = gui()
    log_in(ui, dataset)
    with pytest.raises(AssertionError) as caught:
        ui.perform(action(dataset, "UC1.register_key_without_public_key"))
    assert str(caught.value).endswith(
        '\n  - issues[0]: the page shows "public_key: undefined", the service answered "Required"'
    )
    assert ui.world.last.status == 400


@pytest.mark.parametrize(
    "testid, scope",
    [
        ("op.login", "service.identity-service"),  # the form
        ("login.temp_token", "service.identity-service / op.login"),  # an input
        ("login.submit", "service.identity-service / op.login"),
        ("login.status", "service.identity-service / op.login / login.answer"),
        ("login.result.user_id", "service.identity-service / op.login / login.answer"),
    ],
)
def test_a_test_id_rendered_twice_fails_naming_it_and_the_count(gui, planted, reference_constellation, testid, scope):
    planted.web_client.faults.replace([ClientFault(kind="duplicate", operation="login", testid=testid)])
    with pytest.raises(GuiConventionError) as caught:
        log_in(gui(), reference_constellation.dataset)
    assert str(caught.value) == (
        f"the web client has 2 elements with data-testid={testid!r} inside {scope} where the convention "
        "requires one (see docs/WEB_CLIENT_CONVENTION.md)"
    )


def test_a_button_calling_an_undeclared_route_is_a_contract_violation_naming_it(gui, planted, reference_constellation):
    planted.web_client.faults.replace([ClientFault(kind="route", operation="registerKey", path="/key/registr")])
    ui = gui()
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(ContractViolation) as caught:
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key"))
    [problem] = caught.value.problems
    assert problem.startswith("POST /key/registr: no operation of the key-service contract")
    assert problem.endswith("declares this route (it answered 404)")
    assert ui.world.last.exchanges[0].operation_id == "(undeclared route)"


def test_a_button_calling_another_operation_fails_naming_both(gui, planted, reference_constellation):
    planted.web_client.faults.replace([ClientFault(kind="route", operation="registerKey", path="/key/mpc/sign")])
    ui = gui()
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(
        AssertionError,
        match=r"it did not call key-service registerKey; requests it made: "
        r"POST /key-service/key/mpc/sign \(key-service completeMpcSigning\)",
    ):
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key"))


def test_an_answer_breaking_the_contract_fails_at_the_gui_level_too(gui, planted, reference_constellation):
    planted.faults.replace([Fault(operation="key-service.registerKey", set={"fingerprint": 5})])
    ui = gui()
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(
        ContractViolation,
        match=r"key-service registerKey: status 201: \$\.fingerprint: 5 is not "
        r"of type 'string'",
    ):
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key"))


def test_a_field_the_form_has_no_input_for_fails_at_once_naming_it(gui, reference_constellation):
    ui = gui()
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(
        GuiConventionError,
        match=r"form for key-service registerKey has no input for field "
        r"colour, so the GUI cannot send this request",
    ):
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key", colour="red"))


def test_a_value_a_select_does_not_offer_fails_naming_the_options(gui, reference_constellation):
    ui = gui()
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(GuiConventionError, match=r"registerKey.algorithm offers no option 'RSA'"):
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key", algorithm="RSA"))


# --- a hand-written client on another origin ------------------------------------------

HAND_WRITTEN = """<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<div data-testid="app" data-ready="false">
  <a data-testid="nav.identity-service" href="#">Identity</a>
  <section data-testid="service.identity-service">
    <form data-testid="op.login">
      <input data-testid="login.temp_token"> <button data-testid="login.submit">Log in</button>
      <div data-testid="login.answer" data-seq="0"></div>
    </form>
  </section>
</div>
<script>
const panel = document.querySelector('[data-testid="login.answer"]');
document.querySelector('[data-testid="op.login"]').addEventListener("submit", async (event) => {
  event.preventDefault();
  if (%(silent)s) return;
  const response = await fetch("%(base)s/auth/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({temp_token: document.querySelector('[data-testid="login.temp_token"]').value})});
  const body = await response.json();
  if (response.ok) sessionStorage.setItem("odmd.session_token", body.session_token);
  const shown = (name, value) => `<dd data-testid="login.result.${name}" data-json='${JSON.stringify(value)}'>${value}</dd>`;
  panel.innerHTML = `<b data-testid="login.status" data-json="${response.status}">${response.status}</b>`
    + (response.ok ? shown("user_id", body.user_id) + shown("session_token", body.session_token) : shown("error", body.error));
  panel.dataset.seq = String(Number(panel.dataset.seq) + 1);
});
document.querySelector('[data-testid="app"]').dataset.ready = "true";
</script></body></html>"""


@pytest.fixture
def hand_written(tmp_path: Path, local_enver):
    """Serve two hand-written clients (a working one and one whose button does nothing) on their own origin."""
    base = local_enver.base_urls["identity-service"]
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "index.html").write_text(HAND_WRITTEN % {"base": base, "silent": "false"}, encoding="utf-8")
    (tmp_path / "silent").mkdir()
    (tmp_path / "silent" / "index.html").write_text(HAND_WRITTEN % {"base": base, "silent": "true"}, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_hand_written_client_on_another_origin_is_driven_by_the_convention_alone(
    gui, hand_written, reference_constellation
):
    dataset = reference_constellation.dataset
    ui = gui(url=f"{hand_written}/ok/")
    answer = log_in(ui, dataset)
    assert answer.status == 200
    assert answer.body == {
        "user_id": str(dataset.constants["USER_ID"]),
        "session_token": str(dataset.constants["AUTH_JWT_TOKEN"]),
    }  # only what it shows
    assert [e.operation_id for e in answer.exchanges] == ["login"]  # the CORS preflight is not an exchange
    wrong = ui.perform(
        action(dataset, "UC1.login", auth=NO_AUTH, temp_token=str(dataset.constants["WRONG_TEMP_TOKEN"]))
    )
    assert (wrong.status, wrong.body) == (401, {"error": "invalid_temp_token"})


def test_a_client_that_never_answers_fails_at_the_deadline_naming_the_panel(gui, hand_written, reference_constellation):
    ui = gui(url=f"{hand_written}/silent/", timeout=1.0)
    with pytest.raises(
        AssertionError,
        match=r"the web client showed no answer for identity-service login within "
        r"1s \(data-testid=login.answer, data-seq stayed at '0'\)",
    ):
        ui.perform(action(reference_constellation.dataset, "UC1.login", auth=NO_AUTH))


def test_a_client_without_the_operations_form_fails_at_once_naming_the_test_id(
    gui, hand_written, reference_constellation
):
    ui = gui(url=f"{hand_written}/ok/")
    log_in(ui, reference_constellation.dataset)
    with pytest.raises(
        GuiConventionError,
        match=r"the web client has no page for key-service "
        r"\(data-testid='service.key-service'; see docs/WEB_CLIENT_CONVENTION.md\)",
    ):
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key"))


def test_a_preflight_that_does_not_allow_authorization_turns_the_gui_red_naming_the_header(
    gui, planted, reference_constellation
):
    """The browser's requests reach the service for real: its CORS preflight decides, as in production."""
    planted.faults.replace([Fault(operation="key-service.registerKey", preflight_drop=("authorization",))])
    ui = gui()
    log_in(ui, reference_constellation.dataset)  # identity-service's preflights are untouched
    with pytest.raises(ContractViolation) as caught:
        ui.perform(action(reference_constellation.dataset, "UC1.register_root_key"))
    [problem] = caught.value.problems
    assert problem.startswith("POST http://127.0.0.1:")
    assert "the browser refused the answer (CORS)" in problem
    assert "Request header field authorization is not allowed by Access-Control-Allow-Headers" in problem


def test_an_answer_with_a_wrong_allowed_origin_turns_the_gui_red_naming_the_header(
    gui, planted, reference_constellation
):
    planted.faults.replace([Fault(operation="identity-service.login", cors_origin="http://elsewhere.invalid")])
    with pytest.raises(ContractViolation) as caught:
        log_in(gui(), reference_constellation.dataset)
    [problem] = caught.value.problems
    assert "the browser refused the answer (CORS)" in problem and "Access-Control-Allow-Origin" in problem


class PreflightLog(http.server.BaseHTTPRequestHandler):
    """A page on one origin and a JSON service that logs its preflights; CORS allows everything."""

    seen: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_OPTIONS(self) -> None:
        self.seen.append(f"OPTIONS {self.path}")
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", ""))
        self.end_headers()

    def do_GET(self) -> None:
        self.seen.append(f"GET {self.path}")
        body, kind = (b"<p>page</p>", "text/html") if self.path == "/page" else (b"{}", "application/json")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)


def test_playwright_routing_answers_cors_preflights_itself_so_the_capture_installs_no_route(browser):
    """Why gui.capture observes instead of routing: with any route on a context, the preflight never
    reaches the service (Playwright fulfils it, echoing the requested headers); without one it does."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PreflightLog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page_url = f"http://127.0.0.1:{server.server_port}/page"
    api_url = f"http://localhost:{server.server_port}/api"  # another origin: a preflighted request
    call = "async (u) => (await fetch(u, {headers: {Authorization: 'Bearer x'}})).status"
    try:
        seen = {}
        for routed in (False, True):
            PreflightLog.seen = []
            context = browser.new_context()
            if routed:
                context.route("**/api", lambda route: route.continue_())
            page = context.new_page()
            page.goto(page_url)
            assert page.evaluate(call, api_url) == 200
            context.close()
            seen[routed] = [line for line in PreflightLog.seen if line.endswith("/api")]
        assert seen[False] == ["OPTIONS /api", "GET /api"]
        assert seen[True] == ["GET /api"]  # the preflight was answered by Playwright
    finally:
        server.shutdown()
        server.server_close()


def test_a_request_outside_the_constellation_goes_nowhere_and_is_reported(gui):
    """No route blocks it: the context's proxy leads nowhere but to the client's and services' hosts."""
    ui = gui()
    page = ui.session.client.page
    ui.session.capture.take(wait=False)
    outcome = page.evaluate(
        "async () => { try { await fetch('http://example.invalid/x'); return 'answered' }"
        " catch (e) { return 'failed' } }"
    )
    assert outcome == "failed"
    [captured] = ui.session.capture.take()
    assert [p.code for p in captured.problems] == ["gui_capture.outside"]
    assert str(captured.problems[0]).startswith("GET http://example.invalid/x: the web client called a URL outside")
