"""Running the fault catalog: one pytest run per fault, as a user runs the features.

Every run is a real `pytest` process on the project's features with `--odmd-faults`; its
JUnit report says which scenarios of which layer failed and with what message. A fault is
caught on a layer when a scenario of that layer failed with a message naming it. The
unfaulted baseline must be fully green, or nothing else means anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from odmd_bdd.names import LAYERS
from odmd_bdd.tools.reliability.catalog import FaultCase, load_catalog

RUN_TIMEOUT_S = 300


@dataclass
class Outcome:
    """What one run of the features produced."""

    exit_code: int
    failures: dict[str, str] = field(default_factory=dict)  # test id -> failure text
    passed: list[str] = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0


@dataclass
class Verdict:
    case: FaultCase
    caught: dict[str, str | None]  # layer -> the test that caught it (None: missed)
    seconds: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return all(self.caught.values())


def run_features(root: Path, features: tuple[str, ...], plan: dict | None, args: tuple[str, ...] = ()) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="odmd-reliability-") as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            *features,
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=--strict-markers",
            f"--junitxml={junit}",
            *args,
        ]
        if plan is not None:
            plan_file = Path(tmp) / "plan.json"
            plan_file.write_text(json.dumps(plan), encoding="utf-8")
            cmd += ["--odmd-faults", str(plan_file)]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        outcome = Outcome(proc.returncode, output=proc.stdout + proc.stderr, seconds=time.monotonic() - started)
        if junit.exists():
            for case in ET.parse(junit).getroot().iter("testcase"):
                if not case.get("name"):
                    continue  # the placeholder JUnit writes when the run stopped before any test
                test = f"{case.get('classname', '')}::{case.get('name', '')}"
                bad = case.find("failure") if case.find("failure") is not None else case.find("error")
                if bad is not None:
                    outcome.failures[test] = f"{bad.get('message', '')}\n{bad.text or ''}"
                elif case.find("skipped") is None:
                    outcome.passed.append(test)
        return outcome


def judge(case: FaultCase, outcome: Outcome) -> Verdict:
    caught: dict[str, str | None] = {}
    for layer in case.layers:
        if case.run_level:
            refused = outcome.exit_code == 4 and case.needle in outcome.output and not outcome.passed
            caught[layer] = "the run refused to start" if refused else None
            continue
        hits = [test for test, text in outcome.failures.items() if f"[{layer}]" in test and case.needle in text]
        caught[layer] = hits[0].rsplit("::", 1)[-1] if hits else None
    detail = ""
    if not all(caught.values()):
        seen = "; ".join(
            f"{t.rsplit('::', 1)[-1]}: {m.strip().splitlines()[0][:160]}" for t, m in list(outcome.failures.items())[:4]
        )
        detail = f"exit {outcome.exit_code}; failures: {seen or 'none'}"
    return Verdict(case, caught, outcome.seconds, detail)


def run_catalog(root: Path, cases: list[FaultCase] | None = None, progress=print) -> tuple[Outcome, list[Verdict]]:
    cases = load_catalog(root) if cases is None else cases
    features = tuple(sorted({f for c in cases for f in c.features}))
    progress(f"baseline: the unfaulted {', '.join(features)} …")
    baseline = run_features(root, features, None)
    progress(f"baseline: {len(baseline.passed)} passed, {len(baseline.failures)} failed ({baseline.seconds:.1f}s)")
    verdicts = []
    started = time.monotonic()
    for done, case in enumerate(cases):
        left = _left(time.monotonic() - started, done, len(cases))
        progress(f"[{done + 1}/{len(cases)}] {case.id} on {', '.join(case.features)} …{left}")
        verdict = judge(case, run_features(root, case.features, case.plan, case.args))
        progress(
            f"[{done + 1}/{len(cases)}] {'caught' if verdict.ok else 'MISSED'}: {case.id} ({verdict.seconds:.1f}s) "
            f"{verdict.detail}"
        )
        verdicts.append(verdict)
    return baseline, verdicts


def _left(elapsed: float, done: int, total: int) -> str:
    """How long the rest may take, at the pace so far (nothing before the first is done)."""
    if not done:
        return ""
    minutes = elapsed / done * (total - done) / 60
    return f" (about {minutes:.0f} min left)" if minutes >= 1 else " (under a minute left)"


@dataclass
class Flakiness:
    runs: int
    results: list[dict[str, str]]  # per run: test id -> "passed" | "failed"

    @property
    def identical(self) -> bool:
        return all(r == self.results[0] for r in self.results[1:])

    def differing(self) -> list[str]:
        tests = set().union(*self.results) if self.results else set()
        return sorted(t for t in tests if len({r.get(t, "absent") for r in self.results}) > 1)


def flakiness(root: Path, features: tuple[str, ...], runs: int, progress=print) -> Flakiness:
    """Run the unfaulted features `runs` times; every run must give the same result per test."""
    results = []
    for n in range(1, runs + 1):
        progress(f"flakiness run {n}/{runs} …")
        outcome = run_features(root, features, None)
        result = {t: "passed" for t in outcome.passed} | {t: "failed" for t in outcome.failures}
        progress(
            f"flakiness run {n}/{runs}: {len(outcome.passed)} passed, {len(outcome.failures)} failed "
            f"({outcome.seconds:.1f}s)"
        )
        results.append(result)
    return Flakiness(runs, results)


def matrix_markdown(baseline: Outcome, verdicts: list[Verdict], flaky: Flakiness | None = None) -> str:
    layers = LAYERS
    caught = sum(1 for v in verdicts for layer in v.caught if v.caught[layer])
    total = sum(len(v.caught) for v in verdicts)
    lines = [
        "# Reliability: the fault-detection matrix",
        "",
        "Generated by `odmd-bdd reliability` (do not edit by hand). Each row is one run of the",
        "features with one fault planted in the embedded enver or its web client; a cell says",
        "whether that layer caught it, and by which scenario, with a message naming the fault.",
        "`n/a`: the fault cannot show on that layer (a browser-only or API-only behaviour).",
        "",
        f"- Baseline (no fault): {len(baseline.passed)} passed, {len(baseline.failures)} failed — "
        + ("no false alarms." if not baseline.failures and baseline.exit_code == 0 else "NOT GREEN."),
        f"- Faults: {len(verdicts)} over {len({v.case.service for v in verdicts})} services and the web client; "
        f"caught {caught} of {total} fault × layer cells ({100 * caught // max(total, 1)}%).",
    ]
    if flaky is not None and flaky.runs:
        each = len(flaky.results[0]) if flaky.results else 0
        lines.append(
            f"- Flakiness: {flaky.runs} full unfaulted runs of {each} tests each — "
            + (
                "identical results every time."
                if flaky.identical
                else f"DIFFERENT results: {', '.join(flaky.differing()[:10])}"
            )
        )
    lines += [
        "",
        "| # | fault | service | kind | api | gui | message must name |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, v in enumerate(verdicts, 1):
        cells = []
        for layer in layers:
            if layer not in v.caught:
                cells.append("n/a")
            else:
                cells.append(f"✔ caught by `{v.caught[layer]}`" if v.caught[layer] else "✘ MISSED")
        lines.append(
            f"| {n} | {v.case.description} | {v.case.service} | {v.case.kind} | {cells[0]} | {cells[1]} | "
            f"`{v.case.needle}` |"
        )
    return "\n".join(lines) + "\n"
