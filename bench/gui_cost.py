"""What the GUI layer costs per scenario, against a bare Playwright script doing the same clicks.

    .venv/bin/python bench/gui_cost.py [--rounds N] [--features PATH] [-- extra pytest args]

Each round:
  1. harness: `pytest <features> --layer gui` in a subprocess, with this file loaded as a plugin
     (`-p gui_cost`). Per [gui] scenario it records the wall time (setup + call + teardown),
     the time spent in the GUI machinery (context open/close and every GuiActor.perform), and
     the actions performed.
  2. bare: the same actions replayed with plain Playwright — new context, goto the web client,
     click the service's nav link, fill the inputs, click submit, wait for the answer panel's
     data-seq, read the status, close — same Chromium and flags, against an embedded enver
     started here. No contract capture, no tracing, no comparison, no evidence.
Rounds alternate harness and bare so both see the same machine load. Prints the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from odmd_bdd.names import DEFAULT_CONSTELLATION, RUN_HEADER

ROOT = Path(__file__).resolve().parent.parent
OUT_ENV = "ODMD_BENCH_OUT"

# --- the plugin half (runs inside the harness's pytest) ---------------------------------

if os.environ.get(OUT_ENV):
    from odmd_bdd.actors.gui import GuiActor
    from odmd_bdd.gui.session import GuiSession

    _records: dict[str, dict] = {}
    _current: list[str] = []

    def _timed(cls, name, on_call=None):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                if _current:
                    record = _records[_current[0]]
                    record["gui_s"] += time.perf_counter() - started
                    if on_call:
                        on_call(record, *args)

        setattr(cls, name, wrapper)

    def _note_action(record, action):
        record["actions"].append(
            {
                "service": action.service,
                "operation": action.operation,
                "body": action.body,
                "path": action.path,
                "query": action.query,
                "auth": action.auth,
                "status": None,
            }
        )

    _timed(GuiSession, "open")
    _timed(GuiSession, "close")
    _timed(GuiActor, "perform", _note_action)
    _original_perform = GuiActor.perform

    def _perform_keeping_status(self, action):
        observation = _original_perform(self, action)
        _records[_current[0]]["actions"][-1]["status"] = observation.status
        return observation

    GuiActor.perform = _perform_keeping_status

    def pytest_runtest_setup(item):
        _current[:] = [item.nodeid]
        _records[item.nodeid] = {"actions": [], "gui_s": 0.0, "wall_s": 0.0, "outcome": "passed"}

    def pytest_runtest_logreport(report):
        record = _records.get(report.nodeid)
        if record is not None:
            record["wall_s"] += report.duration
            if report.failed:
                record["outcome"] = "failed"

    def pytest_sessionfinish(session):
        Path(os.environ[OUT_ENV]).write_text(json.dumps(_records), encoding="utf-8")


# --- the script half ------------------------------------------------------------------------


def run_harness(features: str, extra: list[str]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.json"
        env = {
            **os.environ,
            OUT_ENV: str(out),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")]),
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            features,
            "--layer",
            "gui",
            "-q",
            "-p",
            "gui_cost",
            "-o",
            "addopts=-p no:cacheprovider",
            "--alluredir",
            str(Path(tmp) / "allure"),
            *extra,
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if not out.exists():
            sys.exit(f"the harness run failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
        records = json.loads(out.read_text(encoding="utf-8"))
    return {nodeid: r for nodeid, r in records.items() if nodeid.endswith("[gui]")}


def _leaves(value, prefix=""):
    if isinstance(value, dict):  # an empty object has no input to fill, in either replay
        for key, sub in value.items():
            yield from _leaves(sub, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def run_bare(
    scenarios: list[list[dict]],
    select_fields: set[str],
    timeout_ms: float = 10_000,
    *,
    local=None,
    with_mismatches: bool = False,
):
    """Replay each scenario's actions with plain Playwright; the seconds each took (and, with
    `with_mismatches`, how many statuses differed from the harness's). `local`: a running
    LocalEnver to drive (bench/bare.py passes the one resolve_enver brought up, events and
    all); by default one without AWS is started here."""
    from contextlib import nullcontext

    from playwright.sync_api import sync_playwright

    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.gui.browser import LAUNCH_ARGS, find_chromium
    from odmd_bdd.localenv import LocalEnver

    times = []
    mismatched = 0
    started_here = local is None
    if started_here:
        local = LocalEnver(Constellation.load(ROOT / DEFAULT_CONSTELLATION))
    with local if started_here else nullcontext(local) as enver, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium(managed=pw.chromium.executable_path).path, args=list(LAUNCH_ARGS)
        )
        for actions in scenarios:
            started = time.perf_counter()
            context = browser.new_context()
            context.set_extra_http_headers({RUN_HEADER: os.urandom(8).hex()})
            page = context.new_page()
            page.goto(enver.web_client_url)
            page.locator('[data-testid="app"][data-ready="true"]').wait_for(state="attached", timeout=timeout_ms)
            sent: dict[str, int] = {}
            session = None
            for action in actions:
                auth = action["auth"]
                if auth == "session":
                    if session is not None:
                        page.evaluate("t => sessionStorage.setItem('odmd.session_token', t)", session)
                        session = None
                else:
                    if session is None:
                        session = page.evaluate("() => sessionStorage.getItem('odmd.session_token')")
                    page.evaluate(
                        "t => t === null ? sessionStorage.removeItem('odmd.session_token') "
                        ": sessionStorage.setItem('odmd.session_token', t)",
                        auth,
                    )
                service, op = action["service"], action["operation"]
                section = page.get_by_test_id(f"service.{service}")
                if not section.is_visible():
                    page.get_by_test_id(f"nav.{service}").click()
                    section.wait_for(state="visible", timeout=timeout_ms)
                form = section.get_by_test_id(f"op.{op}")
                inputs = [(f"{op}.$path.{k}", v) for k, v in (action["path"] or {}).items()]
                inputs += [(f"{op}.{k}", v) for k, v in _leaves(action["body"] or {})]
                for testid, value in inputs:
                    text = value if isinstance(value, str) else json.dumps(value)
                    if testid in select_fields:
                        form.get_by_test_id(testid).select_option(text)
                    else:
                        form.get_by_test_id(testid).fill(text)
                form.get_by_test_id(f"{op}.submit").click()
                sent[op] = sent.get(op, 0) + 1
                form.locator(f'[data-testid="{op}.answer"][data-seq="{sent[op]}"]').wait_for(
                    state="attached", timeout=timeout_ms
                )
                status = form.get_by_test_id(f"{op}.status").get_attribute("data-json")
                if action["status"] is not None and str(action["status"]) != status:
                    mismatched += 1
            context.close()
            times.append(time.perf_counter() - started)
        browser.close()
    if mismatched:
        print(f"warning: {mismatched} bare answers differed from the harness's (the replay is not faithful)")
    return (times, mismatched) if with_mismatches else times


def select_fields_of(constellation_path: Path) -> set[str]:
    """data-testids the reference client renders as <select> (string enums): a bare script knows its page."""
    from odmd_bdd.data.constellation import Constellation

    out = set()
    for contract in Constellation.load(constellation_path).contracts.values():
        doc = contract.artifact.document
        schemas = doc.get("components", {}).get("schemas", {})
        for item in doc.get("paths", {}).values():
            for spec in item.values():
                if not isinstance(spec, dict) or "operationId" not in spec:
                    continue
                body = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                ref = body.get("$ref", "")
                schema = schemas.get(ref.rsplit("/", 1)[-1], body) if ref else body
                for name, prop in (schema.get("properties") or {}).items():
                    if isinstance(prop.get("enum"), list):
                        out.add(f"{spec['operationId']}.{name}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--features", default="features/")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments for the harness run (after --)")
    args = parser.parse_args()
    selects = select_fields_of(ROOT / DEFAULT_CONSTELLATION)
    harness_wall, harness_gui, bare = [], [], []
    actions_per_scenario = []
    for round_no in range(1, args.rounds + 1):
        records = run_harness(args.features, args.extra)
        failed = [n for n, r in records.items() if r["outcome"] != "passed"]
        if failed:
            print(f"note: {len(failed)} [gui] scenarios failed in round {round_no}: {failed[:3]}")
        scenarios = [r["actions"] for r in records.values()]
        harness_wall += [r["wall_s"] for r in records.values()]
        harness_gui += [r["gui_s"] for r in records.values()]
        actions_per_scenario += [len(a) for a in scenarios]
        bare += run_bare(scenarios, selects)
        print(f"round {round_no}: {len(records)} [gui] scenarios")
    ms = lambda values: f"{statistics.median(values) * 1000:7.0f} ms"  # noqa: E731
    print(
        f"\nper [gui] scenario, median over {len(bare)} scenario runs "
        f"({statistics.median(actions_per_scenario):g} actions per scenario, median):"
    )
    print(f"  harness, whole scenario (setup+steps+teardown): {ms(harness_wall)}")
    print(f"  harness, GUI machinery only (context + actions): {ms(harness_gui)}")
    print(f"  bare Playwright, same clicks:                    {ms(bare)}")
    print(
        f"  overhead of the harness's GUI machinery:         "
        f"{statistics.median(harness_gui) / statistics.median(bare):.2f}x the bare script"
    )


if __name__ == "__main__":
    main()
