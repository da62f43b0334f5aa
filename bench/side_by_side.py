"""UC1 against the suites a team would write without odmd-bdd (bench/peers/), on one running enver.

The `peers` section of `python -m bench`. One `odmd-bdd local-enver` serves a temporary copy of
the project (bench/warm.py); every run below talks to it, round after round, in turn, so all see
the same load:

  api   odmd-bdd `pytest <uc1> --layer api --fresh-enver` (cold: its own embedded AWS and enver),
        the same without --fresh-enver (warm: it reuses the running enver), and the plain
        pytest-bdd peer (bench/peers/api) — each a whole process, wall time;
  gui   odmd-bdd `pytest <uc1> --layer gui` (warm; and cold) and the playwright-bdd peer
        (bench/peers/gui: `bddgen`, then `playwright test`) — whole process, and per scenario the
        test's duration as each runner reports it (JUnit XML; Playwright's JSON reporter).

Each side's scenarios must all pass and be the same scenarios as the other's: both check the
statuses, the bodies against the contracts and the dataset's values, so passing on both sides
means they agree on every answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from .warm import copy_project, running_enver

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
NODE_BIN = ROOT / "bench" / "node_modules" / ".bin"
UC1 = "features/uc1_authentication_key_entity.feature"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _timed(command: list[str], cwd: Path, env: dict[str, str], what: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{what} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall


PHASES = ("configure", "collected", "first", "tests", "finished")


def _phased(
    command: list[str], cwd: Path, env: dict[str, str], what: str, out: Path, into: list[dict[str, float]]
) -> float:
    """`_timed` with the bench.phases plugin: the run's phase marks (bench/phases.py), its exit
    (wall time after pytest_unconfigure) and wall time appended to `into`."""
    out.unlink(missing_ok=True)
    env = {**env, "ODMD_BENCH_PHASES": str(out), "ODMD_BENCH_T0": repr(time.time())}
    wall = _timed([*command, "-p", "bench.phases"], cwd, env, what)
    marks = json.loads(out.read_text(encoding="utf-8").splitlines()[-1])
    into.append({**marks, "exit": round(wall - marks["finished"], 4), "wall": round(wall, 4)})
    return wall


def phase_medians(runs: list[dict[str, float]]) -> dict[str, float | None]:
    """The median length of each phase: start-up (to configure), collection, the first test, the
    other tests, writing reports, the exit; and the whole."""
    spans: dict[str, list[float]] = {k: [] for k in ("startup", "collection", "first", "rest", "reports", "exit")}
    for r in runs:
        spans["startup"].append(r["configure"])
        spans["collection"].append(r["collected"] - r["configure"])
        spans["first"].append(r["first"] - r["collected"])
        spans["rest"].append(r["tests"] - r["first"])
        spans["reports"].append(r["finished"] - r["tests"])
        spans["exit"].append(r["exit"])
    return {k: _median(v) for k, v in spans.items()} | {"wall": _median([r["wall"] for r in runs])}


def _scenario(name: str) -> str:
    """A scenario's title as a comparable key (pytest-bdd's test names, Playwright's titles)."""
    name = re.sub(r"\[.*\]$", "", name).removeprefix("test_")
    return re.sub(r"[^a-z0-9]", "", name.lower())


def junit_tests(path: Path) -> dict[str, dict]:
    """Per test case of a JUnit XML: seconds (setup + call + teardown) and outcome."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if any(child.tag == "skipped" for child in case):
            continue  # not run on this layer (@api-only on the GUI layer)
        failed = any(child.tag in ("failure", "error") for child in case)
        out[_scenario(case.get("name", ""))] = {
            "s": float(case.get("time", 0)),
            "outcome": "failed" if failed else "passed",
        }
    return out


def playwright_tests(path: Path) -> dict[str, dict]:
    """Per test of Playwright's JSON report: seconds (fixtures and steps) and outcome."""
    out: dict[str, dict] = {}

    def walk(suite: dict) -> None:
        for spec in suite.get("specs", []):
            for test in spec["tests"]:
                last = test["results"][-1]
                out[_scenario(spec["title"])] = {"s": last["duration"] / 1000, "outcome": last["status"]}
        for child in suite.get("suites", []):
            walk(child)

    for suite in json.loads(path.read_text(encoding="utf-8"))["suites"]:
        walk(suite)
    return out


def _agreement(harness: dict[str, dict], peer: dict[str, dict]) -> dict:
    return {
        "same_scenarios": sorted(harness) == sorted(peer),
        "harness_failed": sorted(n for n, t in harness.items() if t["outcome"] != "passed"),
        "peer_failed": sorted(n for n, t in peer.items() if t["outcome"] != "passed"),
        "scenarios": len(peer),
    }


def gui_peer_missing() -> str | None:
    if not (NODE_BIN / "bddgen").exists() or not (NODE_BIN / "playwright").exists():
        return "playwright-bdd is not installed: npm ci --prefix bench (make bench does)"
    if shutil.which("node") is None:
        return "no node"
    return None


def _chromium() -> str:
    """The Chromium odmd-bdd's GUI layer launches, so both sides drive the same browser."""
    from odmd_bdd.gui.browser import BrowserNotFound, find_chromium

    try:
        return find_chromium(install=False).path
    except BrowserNotFound:
        return shutil.which("chromium") or "/usr/bin/chromium"


def section_peers(rounds: int, tmp: Path, env: Callable[..., dict[str, str]], log: Callable[[str], None]) -> dict:
    project = copy_project(tmp / "project")
    runs: dict[str, list[float]] = {k: [] for k in ("api_cold", "api_warm", "api_peer")}
    runs |= {k: [] for k in ("gui_cold", "gui_warm", "gui_peer", "gui_peer_test")}
    per_scenario: dict[str, list[float]] = {"gui_harness": [], "gui_peer": [], "api_harness": [], "api_peer": []}
    phases: dict[str, list[dict[str, float]]] = {"api_cold": [], "api_warm": [], "api_peer": []}
    marks = tmp / "phases.jsonl"
    agreement: dict[str, dict] = {}
    loads = []
    skipped_gui = gui_peer_missing()
    harness_env = env()
    chromium = _chromium()
    with running_enver(project, harness_env) as state:
        peer_env = {**env(), "PEER_ENVER": str(state), "CHROMIUM_PATH": chromium}
        api_peer_env = {**peer_env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # only pytest-bdd, as the peer's venv

        def harness(layer: str, cold: bool) -> tuple[float, dict[str, dict]]:
            args = [sys.executable, "-m", "pytest", UC1, "--layer", layer, "-q", *(["--fresh-enver"] * cold)]
            what = f"odmd-bdd {layer} {'cold' if cold else 'warm'}"
            if layer == "api":
                wall = _phased(args, project, harness_env, what, marks, phases["api_cold" if cold else "api_warm"])
            else:
                wall = _timed(args, project, harness_env, what)
            return wall, junit_tests(project / "reports" / "junit.xml")

        for r in range(rounds):
            log(f"peers round {r + 1}/{rounds}: UC1 on the API (odmd-bdd cold, warm; pytest-bdd peer)")
            loads.append(os.getloadavg()[0])
            wall, _ = harness("api", True)
            runs["api_cold"].append(wall)
            wall, api_tests = harness("api", False)
            runs["api_warm"].append(wall)
            junit = tmp / f"peer-api{r}.xml"
            command = [sys.executable, "-m", "pytest", "-q", "-p", "pytest_bdd.plugin", "--junitxml", str(junit)]
            runs["api_peer"].append(
                _phased(command, PEERS / "api", api_peer_env, "the pytest-bdd peer", marks, phases["api_peer"])
            )
            peer_api = junit_tests(junit)
            agreement["api"] = _agreement(api_tests, peer_api)
            per_scenario["api_harness"] += [t["s"] for t in api_tests.values()]
            per_scenario["api_peer"] += [t["s"] for t in peer_api.values()]
            log(f"peers round {r + 1}/{rounds}: UC1 on the GUI (odmd-bdd warm, cold; playwright-bdd peer)")
            wall, gui_tests = harness("gui", False)
            runs["gui_warm"].append(wall)
            per_scenario["gui_harness"] += [t["s"] for t in gui_tests.values()]
            wall, _ = harness("gui", True)
            runs["gui_cold"].append(wall)
            if skipped_gui:
                continue
            report = tmp / f"peer-gui{r}.json"
            gui_env = {**peer_env, "PEER_REPORT": str(report), "PEER_OUT_DIR": str(tmp / f"peer-gui{r}")}
            generate = _timed([str(NODE_BIN / "bddgen")], PEERS / "gui", gui_env, "bddgen")
            test = _timed([str(NODE_BIN / "playwright"), "test"], PEERS / "gui", gui_env, "the playwright-bdd peer")
            runs["gui_peer"].append(generate + test)
            runs["gui_peer_test"].append(test)
            peer_gui = playwright_tests(report)
            agreement["gui"] = _agreement(gui_tests, peer_gui)
            per_scenario["gui_peer"] += [t["s"] for t in peer_gui.values()]
        loads.append(os.getloadavg()[0])
    med = {k: _median(v) for k, v in runs.items()}
    scen = {k: _median(v) for k, v in per_scenario.items()}
    return {
        "rounds": rounds,
        "feature": UC1,
        "whole_process_s": med,
        "samples_s": runs,
        "per_scenario_median_s": scen,
        "per_scenario_samples": {k: len(v) for k, v in per_scenario.items()},
        "api_phases_median_s": {k: phase_medians(v) for k, v in phases.items()},
        "api_phases_samples": phases,
        "ratios": {
            "api_cold": _ratio(med["api_cold"], med["api_peer"]),
            "api_warm": _ratio(med["api_warm"], med["api_peer"]),
            "gui_warm": _ratio(med["gui_warm"], med["gui_peer"]),
            "gui_cold": _ratio(med["gui_cold"], med["gui_peer"]),
            "gui_per_scenario": _ratio(scen["gui_harness"], scen["gui_peer"]),
            "api_per_scenario": _ratio(scen["api_harness"], scen["api_peer"]),
        },
        "agreement": agreement,
        "gui_peer_skipped": skipped_gui,
        "load_1min_per_round": loads,
    }
