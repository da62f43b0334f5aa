"""pytest plugin of the bench: what each scenario run cost, and which HTTP exchanges it made.

Loaded with `-p bench.probe`; it records only when $ODMD_BENCH_PROBE_OUT names a file, and
writes it at the end of the session (an xdist worker writes `<file>.<worker id>`). Per test:

- `phases`: setup / call / teardown seconds as pytest reports them (report.duration);
- `session_setup_s`: the part of those spent setting up session-scoped fixtures (the
  embedded enver and AWS, the browser, the transport …). pytest-bdd asks for fixtures while
  the steps run, so the first scenario of a run pays for them inside its call phase; the
  bench reports them as start-up, not as per-scenario cost;
- `exchanges`: every request the API layer's pooled httpx client sent (method, URL, the
  headers the harness set, body) and the status it got, for the bare replay;
- `steps`: seconds per Gherkin step;
- `api_s`: seconds inside the API layer (ApiActor.perform: transport, contract validation,
  evidence), `events_s`: seconds receiving and checking events (EventInbox), `cpu_s`: CPU
  seconds of this process during the test (the embedded enver's threads included), less the
  session fixtures' — steadier than wall time on a loaded machine;
- `session_teardown_s`: in the last test's teardown, the time taken to finalize the session
  fixtures (the enver, the browser), which the bench does not count as that scenario's cost.

Recording costs a list append per exchange and per step; nothing else changes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from bench.timing import time_calls

OUT_ENV = "ODMD_BENCH_PROBE_OUT"
# httpx adds these itself; a bare client sends its own.
_CLIENT_HEADERS = {"host", "content-length", "accept-encoding", "connection", "user-agent"}

_records: dict[str, dict] = {}
_current: list[str] = []  # the nodeid of the test that is running
_session_depth = [0]  # nesting of session-fixture setups (only the outermost one is timed)
_sessions_timed: dict[str, float] = {}


def _active() -> bool:
    return bool(os.environ.get(OUT_ENV))


def _record() -> dict | None:
    return _records.get(_current[0]) if _current else None


def _install_http_hooks() -> None:
    from odmd_bdd.actors.api import ApiActor
    from odmd_bdd.events.sqs import EventInbox
    from odmd_bdd.transports.http import HttpTransport

    time_calls(ApiActor, "perform", _record, "api_s")
    time_calls(EventInbox, "wait_for", _record, "events_s")
    time_calls(EventInbox, "close", _record, "events_s")

    original_init = HttpTransport.__init__

    def on_request(request) -> None:
        record = _record()
        if record is not None:
            record["exchanges"].append(
                {
                    "method": request.method,
                    "url": str(request.url),
                    "headers": {k: v for k, v in request.headers.items() if k.lower() not in _CLIENT_HEADERS},
                    "content": request.content.decode("utf-8", "replace") if request.content else None,
                    "status": None,
                }
            )

    def on_response(response) -> None:
        record = _record()
        if record is not None and record["exchanges"]:
            record["exchanges"][-1]["status"] = response.status_code

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.client.event_hooks["request"].append(on_request)
        self.client.event_hooks["response"].append(on_response)

    HttpTransport.__init__ = init


def pytest_configure(config: pytest.Config) -> None:
    if _active():
        _install_http_hooks()
        _time_session_teardown()


@pytest.hookimpl(tryfirst=True)  # before the runner sets up this test's fixtures
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _active():
        return
    _current[:] = [item.nodeid]
    callspec = getattr(item, "callspec", None)
    layer = callspec.params.get("layer") if callspec else None  # NOTSET when no layer applies (skipped)
    _records[item.nodeid] = {
        "layer": layer if isinstance(layer, str) else None,
        "phases": {},
        "session_setup_s": 0.0,
        "session_teardown_s": 0.0,
        "exchanges": [],
        "steps": [],
        "api_s": 0.0,
        "events_s": 0.0,
        "cpu_s": 0.0,
        "_cpu_started": time.process_time(),
        "outcome": "passed",
    }


def _time_session_teardown() -> None:
    """The last test's teardown also finalizes the session fixtures; time those apart."""
    from _pytest.fixtures import FixtureDef

    original = FixtureDef.finish

    def finish(self, request):
        if self.scope != "session" or _session_depth[0]:
            return original(self, request)
        _session_depth[0] += 1
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(self, request)
        finally:
            _session_depth[0] -= 1
            record = _record()
            if record is not None:
                record["session_teardown_s"] += time.perf_counter() - started
                if "_cpu_started" in record:
                    record["_cpu_started"] += time.process_time() - cpu

    FixtureDef.finish = finish


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if not _active() or fixturedef.scope != "session":
        return (yield)
    _session_depth[0] += 1
    started, cpu = time.perf_counter(), time.process_time()
    try:
        return (yield)
    finally:
        _session_depth[0] -= 1
        elapsed = time.perf_counter() - started
        _sessions_timed[fixturedef.argname] = elapsed
        record = _record()
        if _session_depth[0] == 0 and record is not None:
            record["session_setup_s"] += elapsed
            record["_cpu_started"] += time.process_time() - cpu


def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    record = _record()
    if record is not None:
        record["_step_started"] = time.perf_counter()


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args) -> None:
    record = _record()
    if record is not None and "_step_started" in record:
        record["steps"].append([f"{step.keyword} {step.name}", time.perf_counter() - record.pop("_step_started")])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record = _records.get(report.nodeid)
    if record is None:
        return
    record["phases"][report.when] = record["phases"].get(report.when, 0.0) + report.duration
    if report.when == "teardown" and "_cpu_started" in record:
        record["cpu_s"] = time.process_time() - record.pop("_cpu_started")
    if report.failed:
        record["outcome"] = "failed"
    elif report.skipped and record["outcome"] == "passed":
        record["outcome"] = "skipped"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _active():
        return
    out = Path(os.environ[OUT_ENV])
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if worker:
        out = out.with_name(f"{out.name}.{worker}")
    elif not _records:
        return  # an xdist controller runs no test: its workers write
    for record in _records.values():
        record.pop("_step_started", None)
        record.pop("_cpu_started", None)
    out.write_text(json.dumps({"tests": _records, "session_fixtures_s": _sessions_timed}), encoding="utf-8")
