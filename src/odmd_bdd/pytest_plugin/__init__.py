"""The pytest plugin: options, feature-file collection, layers, fixtures, report hygiene.

Registered through the `pytest11` entry point, so `pytest features/` works in any checkout
with odmd-bdd installed. Feature files are collected directly: a QA adds a `.feature` file
and it runs, no Python module needed.
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_bdd import scenario as bdd_scenario
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import make_python_name

from odmd_bdd.actors import ApiActor, World
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.errors import ConstantError, OdmdError
from odmd_bdd.events.sqs import EventInbox, MessageIndex
from odmd_bdd.harness import step_lookup
from odmd_bdd.localenv.fault_plan import FaultPlanFile
from odmd_bdd.pytest_plugin import distribution as parallel
from odmd_bdd.pytest_plugin import xdist_enver as shared_enver
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.reporting.redaction import Redactor
from odmd_bdd.resolution.envers import EmbeddedAddress, Enver, resolve_enver
from odmd_bdd.transports import HttpTransport, SfnTransport

# xdist workers and CI shards: --num-shards/--shard-id, per-worker enver info merged on the controller;
# one embedded enver for all xdist workers, hosted by the controller.
pytest_plugins = ["odmd_bdd.pytest_plugin.distribution", "odmd_bdd.pytest_plugin.xdist_enver"]

LAYERS = ("api", "gui")
CONSTELLATION = pytest.StashKey[Constellation]()
ENVER = pytest.StashKey[Enver]()
REDACTOR = pytest.StashKey[Redactor]()
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()  # per item: "setup"/"call"/"teardown" -> report
INBOX = pytest.StashKey[EventInbox]()  # per item: this scenario run's events
EVENTS_SHOWN = pytest.StashKey[int]()  # per item: how many received events are attached to the report already


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("odmd-bdd", "odmd-bdd: which enver, layer and transport")
    group.addoption(
        "--enver",
        default="local",
        help="enver to test: local (embedded, default) or one named in the constellation file",
    )
    group.addoption(
        "--constellation",
        default=None,
        metavar="PATH",
        help="constellation file (default: fixtures/envers/constellation.yaml under the rootdir)",
    )
    group.addoption(
        "--base-urls",
        default=None,
        metavar="FILE",
        help="YAML file {base_urls: {service: url}} overriding where services answer",
    )
    group.addoption(
        "--layer",
        default="all",
        choices=("all", *LAYERS),
        help="run scenarios on this layer only (default: every layer a scenario allows)",
    )
    group.addoption("--http-timeout", type=float, default=10.0, help="seconds an API call may take (default 10)")
    group.addoption(
        "--transport",
        default=None,
        choices=("http", "sfn"),
        help="API layer transport: http (direct, httpx) or sfn (through the BDD state machine); "
        "default: the enver's own (constellation file), else http",
    )
    group.addoption(
        "--sfn-deadline", type=float, default=30.0, help="seconds one Step Functions execution may take (default 30)"
    )
    group.addoption(
        "--odmd-faults",
        default=None,
        metavar="PLAN.json",
        help="plant the faults of this plan in the embedded enver (the harness's reliability suite)",
    )
    group.addoption(
        "--allow-main",
        action="store_true",
        default=False,
        help="let @mock-only scenarios run against an enver whose revision is main",
    )
    group.addoption(
        "--event-timeout", type=float, default=5.0, help="seconds a step waits for an expected event (default 5)"
    )
    gui = parser.getgroup("odmd-bdd-gui", "odmd-bdd: the GUI layer (Playwright driving the web client)")
    gui.addoption(
        "--headed", action="store_true", default=False, help="show the browser (needs a display; default: headless)"
    )
    gui.addoption(
        "--slowmo",
        type=float,
        default=0.0,
        metavar="MS",
        help="slow every browser operation down by MS milliseconds (to watch a --headed run)",
    )
    gui.addoption(
        "--gui-timeout",
        type=float,
        default=10.0,
        help="seconds the web client may take to load or to show an answer (default 10)",
    )
    gui.addoption(
        "--web-client-url",
        default=None,
        metavar="URL",
        help="the web client to drive (default: $ODMD_WEB_CLIENT_URL, else the embedded enver's)",
    )
    gui.addoption(
        "--browser-ws-endpoint",
        default=None,
        metavar="URL",
        help="connect to the Chromium of a Playwright server (`playwright run-server`) instead of "
        "launching one (default: $ODMD_BROWSER_WS_ENDPOINT; see odmd_bdd/gui/remote.py)",
    )
    gui.addoption(
        "--gui-trace",
        default="on-failure",
        choices=("on-failure", "full", "off"),
        help="on-failure (default): keep a screenshot and a Playwright trace (actions, console) of each "
        "failed GUI scenario in reports/traces/; a rerun attempt (--reruns) and `full` also record "
        "DOM snapshots and network (~20%% slower); off: the screenshot only. Traces hold unredacted "
        "page content: keep reports/ private",
    )


def _constellation_path(config: pytest.Config) -> Path:
    given = config.getoption("constellation")
    return Path(given) if given else config.rootpath / "fixtures" / "envers" / "constellation.yaml"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    step_lookup.install()  # pytest-bdd's step lookup, remembered per module (~0.45 ms a step otherwise)
    path = _constellation_path(config)
    if not path.exists():
        return  # not an odmd-bdd project (e.g. a pytester run of unrelated tests)
    try:
        constellation = Constellation.load(path)
        dataset = constellation.dataset
    except OdmdError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[CONSTELLATION] = constellation
    config.stash[REDACTOR] = Redactor(dataset.constants.secret_values())
    if config.getoption("headed") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise pytest.UsageError(
            "--headed needs a display, but $DISPLAY is not set: run under `xvfb-run pytest ...` "
            "or on a desktop, or drop --headed"
        )


# --- collecting feature files ---------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None


def _noop() -> None:
    """Body of a collected scenario: pytest-bdd runs the steps."""


class FeatureFile(pytest.Module):
    """A `.feature` file as a test module: one test per scenario, checked at collection."""

    def _where(self, line: int | str) -> str:
        try:
            rel = self.path.relative_to(self.config.rootpath)
        except ValueError:
            rel = self.path
        return f"{rel}:{line}"

    def _getobj(self) -> types.ModuleType:
        constellation = self.config.stash.get(CONSTELLATION, None)
        if constellation is None:
            raise self.CollectError(f"{self._where(1)}: no constellation file at {_constellation_path(self.config)}")
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.CollectError(f"{self._where(1)}: cannot read the feature file: {exc}") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.lstrip().startswith("#"):
                try:
                    constellation.dataset.constants.check(line, self._where(number))
                except ConstantError as exc:
                    raise self.CollectError(str(exc)) from None
        try:
            feature = get_feature(str(self.path.parent), self.path.name)
        except GherkinParseError as exc:
            raise self.CollectError(
                f"{self._where(exc.line)}: malformed feature file: {exc.message} — {exc.line_content.strip()!r}"
            ) from None
        module = types.ModuleType(self.path.stem)
        module.__file__ = str(self.path)
        for name, template in feature.scenarios.items():
            test_name = f"test_{make_python_name(name)}"
            while hasattr(module, test_name):
                test_name += "_"
            try:
                test = bdd_scenario(str(self.path), name, features_base_dir=str(self.path.parent))(_noop)
            except (Exception, pytest.fail.Exception) as exc:
                raise self.CollectError(f"{self._where(template.line_number)}: scenario {name!r}: {exc}") from None
            test.odmd_steps = len(template.steps)  # parallel.py orders long scenarios first under xdist
            setattr(module, test_name, pytest.mark.usefixtures("layer")(test))
        return module


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function):
    """`@phase:0b` becomes the marker `phase-0b` (marker names cannot hold ':'); other tags as they are."""
    if ":" not in tag:
        return None
    getattr(pytest.mark, tag.replace(":", "-"))(function)
    return True


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse @mock-only scenarios against a main enver (after -m/-k deselection), unless --allow-main."""
    constellation = config.stash.get(CONSTELLATION, None)
    if constellation is None or config.getoption("allow_main"):
        return
    name = config.getoption("enver")
    spec = constellation.envers.get(name)
    if spec is None or not spec.is_main:
        return
    refused = [item for item in items if item.get_closest_marker("mock-only")]
    if refused:
        raise pytest.UsageError(
            f"refusing to run {len(refused)} @mock-only scenario(s) against enver {name!r} ({spec.revision}): they send "
            f"mock tokens and expect fixed mock answers, which a main enver must not accept. Deselect them with "
            f"-m 'not mock-only', or pass --allow-main if you really mean it. First: {refused[0].nodeid}"
        )


# --- layers ---------------------------------------------------------------------------


def scenario_layers(marker_names: set[str], wanted: str) -> list[str]:
    layers = [layer for layer in LAYERS if wanted in ("all", layer)]
    if "api-only" in marker_names:
        layers = [layer for layer in layers if layer == "api"]
    if "gui-only" in marker_names:
        layers = [layer for layer in layers if layer == "gui"]
    return layers


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "layer" not in metafunc.fixturenames
        or not isinstance(metafunc.module, types.ModuleType)
        or not str(getattr(metafunc.module, "__file__", "")).endswith(".feature")
    ):
        return
    names = {m.name for m in metafunc.definition.iter_markers()}
    layers = scenario_layers(names, metafunc.config.getoption("layer"))
    metafunc.parametrize(
        "layer", [pytest.param(layer, marks=getattr(pytest.mark, layer), id=layer) for layer in layers]
    )


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def layer() -> str:
    """The layer of this run (scenarios are parametrized over it; plain tests get `api`)."""
    return "api"


@pytest.fixture(scope="session")
def constellation(pytestconfig: pytest.Config) -> Constellation:
    try:
        return pytestconfig.stash[CONSTELLATION]
    except KeyError:
        raise pytest.UsageError(f"no constellation file at {_constellation_path(pytestconfig)}") from None


@pytest.fixture(scope="session")
def dataset(constellation: Constellation) -> Dataset:
    return constellation.dataset


@pytest.fixture(scope="session")
def constants(dataset: Dataset):
    return dataset.constants


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config) -> Redactor:
    return pytestconfig.stash.get(REDACTOR, None) or Redactor()


def resolve_run_enver(
    config: pytest.Config, constellation: Constellation, attach: EmbeddedAddress | None = None
) -> Enver:
    """The enver the run's options name, with the --odmd-faults plan planted in it — unless it is
    `attach`ed to an embedded enver another process hosts (and planted the plan in)."""
    plan_path = config.getoption("odmd_faults")
    plan = FaultPlanFile.read(plan_path) if plan_path and attach is None else None
    resolved = resolve_enver(
        constellation,
        config.getoption("enver"),
        base_url_file=config.getoption("base_urls"),
        transport=config.getoption("transport"),
        withhold_artifacts=set(plan.withhold_artifacts) if plan else set(),
        attach=attach,
    )
    if plan is not None:
        if resolved.local is None:
            resolved.close()
            raise OdmdError("--odmd-faults plants faults in the embedded enver; this enver has none")
        plan.apply(resolved.local)
    return resolved


@pytest.fixture(scope="session")
def enver(pytestconfig: pytest.Config, constellation: Constellation) -> Iterator[Enver]:
    """The enver under test, resolved once per session; an unusable one ends the run with one message.
    An xdist worker reads the embedded enver its controller hosts (shared_enver.py) instead."""
    try:
        resolved = resolve_run_enver(pytestconfig, constellation, shared_enver.attach_or_none(pytestconfig))
    except OdmdError as exc:
        pytest.exit(f"odmd-bdd: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    pytestconfig.stash[ENVER] = resolved
    yield resolved
    resolved.close()


@pytest.fixture(scope="session")
def api_transport(pytestconfig: pytest.Config, enver: Enver) -> Iterator[HttpTransport | SfnTransport]:
    """How the API layer reaches services: one pooled httpx client, or the BDD state machine."""
    from odmd_bdd.transports.factory import make_transport

    transport = make_transport(
        enver,
        http_timeout=pytestconfig.getoption("http_timeout"),
        sfn_deadline=pytestconfig.getoption("sfn_deadline"),
    )
    assert isinstance(transport, HttpTransport | SfnTransport)  # the annotation predates transports.Transport
    yield transport
    transport.close()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture(scope="session")
def event_timeout(pytestconfig: pytest.Config) -> float:
    return pytestconfig.getoption("event_timeout")


@pytest.fixture(scope="session")
def message_index(enver: Enver) -> MessageIndex:
    return MessageIndex(enver.event_contracts)


@pytest.fixture
def events(
    request: pytest.FixtureRequest, enver: Enver, world: World, message_index: MessageIndex
) -> Iterator[EventInbox]:
    """This scenario run's events: its own queues (X-Odmd-Run), deleted afterwards. What arrives
    is attached to the step that waited for it (pytest_bdd_after_step below)."""
    sqs = enver.sqs()
    if sqs is None:
        raise OdmdError(
            f"enver {enver.name!r} has no event bus to read from (events need the embedded AWS "
            f"or a deployed enver's queues)"
        )
    inbox = EventInbox(sqs, message_index, world.run_id)
    request.node.stash[INBOX] = inbox
    request.node.stash[EVENTS_SHOWN] = 0
    yield inbox
    inbox.close()


@pytest.fixture
def actor(request: pytest.FixtureRequest, layer: str, enver: Enver, world: World, redactor: Redactor):
    """The actor of this run's layer; steps call `actor.perform(action)`."""
    if layer == "api":
        return ApiActor(enver, request.getfixturevalue("api_transport"), world, Recorder(redactor))
    if layer == "gui":
        from odmd_bdd.actors.gui import GuiActor  # Playwright loads only when a GUI scenario runs

        return GuiActor(request.getfixturevalue("gui_session"), enver, world, Recorder(redactor))
    raise pytest.UsageError(f"layer {layer!r} is not available")


# --- the GUI layer --------------------------------------------------------------------


@pytest.fixture(scope="session")
def gui_browser(pytestconfig: pytest.Config):
    """One Chromium per worker, launched the first time a GUI scenario needs it."""
    from odmd_bdd.gui.browser import GuiBrowser, LaunchOptions

    options = LaunchOptions(headed=pytestconfig.getoption("headed"), slowmo_ms=pytestconfig.getoption("slowmo"))
    endpoint = pytestconfig.getoption("browser_ws_endpoint") or os.environ.get("ODMD_BROWSER_WS_ENDPOINT")
    if endpoint:
        from odmd_bdd.gui.remote import RemoteGuiBrowser

        browser: GuiBrowser = RemoteGuiBrowser(endpoint, options)
    else:
        browser = GuiBrowser(options)
    try:
        browser.launch()
    except OdmdError as exc:
        pytest.exit(f"odmd-bdd: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def web_client_url(pytestconfig: pytest.Config, enver: Enver) -> str:
    """The web client the GUI layer drives: the one given, else the one the enver publishes in its
    /odmd-share (an embedded enver's calls the services where resolve_enver found them)."""
    given = pytestconfig.getoption("web_client_url") or os.environ.get("ODMD_WEB_CLIENT_URL")
    if given or enver.web_client_url:
        return given or enver.web_client_url
    pytest.exit(
        f"odmd-bdd: enver {enver.name!r} has no web client for the GUI layer: pass --web-client-url "
        f"URL (or set ODMD_WEB_CLIENT_URL), or run the API layer only with --layer api",
        returncode=pytest.ExitCode.USAGE_ERROR,
    )


@pytest.fixture
def gui_session(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    gui_browser,
    web_client_url: str,
    enver: Enver,
    world: World,
):
    """This scenario's browser context; a failed scenario leaves a screenshot and a trace in reports/traces/."""
    import allure

    from odmd_bdd.gui.session import GuiSession, evidence_dir

    mode = pytestconfig.getoption("gui_trace")
    rerun = getattr(request.node, "execution_count", 1) > 1  # pytest-rerunfailures counts the attempts
    session = GuiSession(
        gui_browser,
        enver,
        web_client_url,
        world.run_id,
        pytestconfig.getoption("gui_timeout"),
        trace=mode != "off",
        snapshots=mode == "full" or (mode == "on-failure" and rerun),
    ).open()
    yield session
    reports = request.node.stash.get(PHASE_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    evidence = evidence_dir(pytestconfig.rootpath / "reports", request.node.nodeid) if failed else None
    for path in session.close(evidence):
        kind = allure.attachment_type.PNG if path.suffix == ".png" else allure.attachment_type.ZIP
        allure.attach.file(str(path), name=f"[gui] {path.name}", attachment_type=kind)


# --- reporting ------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Mask credentials in failure text and captured output before any reporter sees them; keep
    each phase's report on the item (the GUI layer saves evidence when a scenario failed)."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    redactor = item.config.stash.get(REDACTOR, None)
    if redactor is None:
        return report
    if report.longrepr is not None:
        text = str(report.longrepr)
        clean = redactor.text(text)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, redactor.text(content)) for title, content in report.sections]
    return report


@pytest.hookimpl(wrapper=True)
def pytest_bdd_before_step_call(request: pytest.FixtureRequest, step_func_args: dict):
    """allure-pytest-bdd lists every argument of a step function as a step parameter: show the
    values from the step text only, not the fixtures (their reprs are noise and hold run state)."""
    names = set(request.fixturenames)
    hidden = {
        name: value
        for name, value in step_func_args.items()
        if name in names and value is request.getfixturevalue(name)
    }
    for name in hidden:
        del step_func_args[name]
    try:
        return (yield)
    finally:
        step_func_args.update(hidden)  # the step itself gets every argument


@pytest.hookimpl(tryfirst=True)  # before allure-pytest-bdd closes the step
def pytest_bdd_after_step(request: pytest.FixtureRequest) -> None:
    _attach_new_events(request)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest) -> None:
    _attach_new_events(request)


def _attach_new_events(request: pytest.FixtureRequest) -> None:
    """The events this scenario run received during the step, redacted, on the step in Allure."""
    inbox = request.node.stash.get(INBOX, None)
    if inbox is None:
        return
    shown = request.node.stash.get(EVENTS_SHOWN, 0)
    if len(inbox.received) > shown:
        request.node.stash[EVENTS_SHOWN] = len(inbox.received)
        redactor = request.config.stash.get(REDACTOR, None) or Redactor()
        Recorder(redactor).events(inbox.received[shown:], request.getfixturevalue("layer"))


def _enver_info(config: pytest.Config) -> dict[str, str]:
    """What the report says about the enver: this process's, or (xdist controller) the workers' merged."""
    resolved = config.stash.get(ENVER, None)
    return resolved.describe() if resolved is not None else parallel.controller_enver_info(config)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    info = _enver_info(config)
    if not info:
        return
    terminalreporter.write_sep("-", "odmd-bdd enver")
    for key, value in info.items():
        terminalreporter.write_line(f"{key}: {value}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Record the enver and the artifact versions in Allure's environment panel, once per run: an
    xdist worker hands its enver to the controller, which writes the merged description."""
    config = session.config
    if parallel.is_worker(config):
        resolved = config.stash.get(ENVER, None)
        if resolved is not None:
            parallel.send_to_controller(config, resolved.describe())
        return
    info = _enver_info(config)
    alluredir = getattr(config.option, "allure_report_dir", None)
    if not info or not alluredir:
        return
    path = Path(alluredir)
    path.mkdir(parents=True, exist_ok=True)
    (path / "environment.properties").write_text(parallel.properties_text(info.items()), encoding="utf-8")
