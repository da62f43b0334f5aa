"""Running generated mutants: one baseline, then one pytest run per layer for all of them.

1. The baseline (serial, unfaulted, `--odmd-calls`) must be green; it says which dataset cases
   answered each scenario.
2. Every mutant is planted at once (Fault.run = its id, Fault.case = its case) and each scenario
   runs once per mutant of the cases it exercised (`--odmd-mutants`), `-n 2`.
3. A mutant is killed on a layer when one of its scenario runs failed; it survived when all
   passed; it is not exercised when no scenario of that layer is answered from its case. A class
   a layer cannot observe (generate.OBSERVABLE_ON) is not run there, and the report says why.
   While a layer runs, each mutant is told as its last scenario run ends (progress.MutantProgress).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from odmd_bdd.names import id_params
from odmd_bdd.tools.mutants.generate import CLASSES, OBSERVABLE_ON, Mutant, observable
from odmd_bdd.tools.mutants.progress import MutantProgress

TIMEOUT_S = 3600


@dataclass
class LayerResult:
    layer: str
    seconds: float
    killed: dict[str, str] = field(default_factory=dict)  # mutant id -> the first failure's message
    survived: set[str] = field(default_factory=set)
    runs: int = 0


@dataclass
class MutationResult:
    mutants: list[Mutant]
    baseline_seconds: float
    calls: dict[str, list[str]] | None = None  # scenario -> the dataset cases that answered it (baseline)
    layers: dict[str, LayerResult] = field(default_factory=dict)


def _pytest(
    root: Path, args: list[str], junit: Path, on_line: Callable[[str], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest on the features; each line of its output (stderr folded in) goes to `on_line` as it comes."""
    cmd = [sys.executable, "-u", "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    cmd += ["-o", "addopts=--strict-markers", f"--junitxml={junit}", *args]
    output: list[str] = []
    timed_out = threading.Event()
    with subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:

        def stop() -> None:
            timed_out.set()
            proc.kill()

        watchdog = threading.Timer(TIMEOUT_S, stop)
        watchdog.start()
        try:
            for line in proc.stdout or ():
                output.append(line)
                if on_line is not None:
                    on_line(line)
        finally:
            watchdog.cancel()
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(cmd, TIMEOUT_S, output="".join(output))
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(output), "")


def run_mutants(
    root: Path,
    mutants: list[Mutant],
    layers: dict[str, int | None],
    workers: int = 2,
    progress: Callable[[str], None] = print,
) -> MutationResult:
    """`layers`: layer -> how many mutants per class to run there (None: all)."""
    with tempfile.TemporaryDirectory(prefix="odmd-mutants-") as tmp:
        folder = Path(tmp)
        calls_file = folder / "calls.json"
        started = time.monotonic()
        layer_args = ["--layer", next(iter(layers))] if len(layers) == 1 else []
        base = _pytest(root, [*layer_args, f"--odmd-calls={calls_file}"], folder / "baseline.xml")
        if base.returncode != 0:
            raise RuntimeError(f"the unfaulted baseline is not green (exit {base.returncode}):\n{base.stdout[-2000:]}")
        calls = json.loads(calls_file.read_text(encoding="utf-8"))
        result = MutationResult(mutants, time.monotonic() - started, calls)
        progress(f"baseline green in {result.baseline_seconds:.1f}s; {len(mutants)} mutants")
        for step, (layer, per_class) in enumerate(layers.items(), 1):
            chosen = [m for m in _sample(mutants, calls, per_class) if observable(m.kind, layer)]
            progress(f"[{step}/{len(layers)}] {layer}: running {len(chosen)} mutants …")
            (folder / "mutants.json").write_text(
                json.dumps({"mutants": [m.to_dict() for m in chosen], "calls": calls}), encoding="utf-8"
            )
            plan = {"enver": [m.fault for m in chosen if m.fault], "client": [m.client for m in chosen if m.client]}
            (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
            junit = folder / f"{layer}.xml"
            started = time.monotonic()
            args = [
                "--layer",
                layer,
                f"--odmd-mutants={folder / 'mutants.json'}",
                f"--odmd-faults={folder / 'plan.json'}",
                "--odmd-progress",
            ]
            told = MutantProgress(layer, chosen, calls, progress)
            proc = _pytest(root, [*args, "-n", str(workers)] if workers > 1 else args, junit, told.line)
            lr = LayerResult(layer, time.monotonic() - started)
            _read_junit(junit, lr, {m.id for m in chosen})
            if not junit.exists():
                raise RuntimeError(
                    f"the {layer} mutant run wrote no report (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                )
            told.finish()
            result.layers[layer] = lr
            progress(
                f"{layer}: {len(lr.killed)} killed, {len(lr.survived)} survived of {len(chosen)} run "
                f"({lr.runs} scenario runs, {lr.seconds:.1f}s)"
            )
        return result


STALE_REASON = (
    "a stale text shows only where the scenario has another answer of the operation with another value in the field"
)


def _exercised(mutant: Mutant, calls: dict[str, list[str]]) -> bool:
    """Whether a scenario is answered from the mutant's case in a way its fault can change."""
    scenarios = [cases for cases in calls.values() if mutant.case in cases]
    if mutant.conditional:
        return any(other in cases for cases in scenarios for other in mutant.requires)
    return bool(scenarios)


def _sample(mutants: list[Mutant], calls: dict[str, list[str]], per_class: int | None) -> list[Mutant]:
    exercised = [m for m in mutants if _exercised(m, calls)]
    if per_class is None:
        return exercised
    out: list[Mutant] = []
    for kind in CLASSES:
        of_kind = [m for m in exercised if m.kind == kind]
        step = max(1, len(of_kind) // per_class) if of_kind else 1
        out.extend(of_kind[::step][:per_class])
    return out


def _read_junit(junit: Path, result: LayerResult, ids: set[str]) -> None:
    if not junit.exists():
        return
    passed: set[str] = set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        params = id_params(case.get("name") or "")
        mutant = next((p for p in (params.split("-") if params else []) if p in ids), None)
        if mutant is None or case.find("skipped") is not None:
            continue
        result.runs += 1
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is not None:
            result.killed.setdefault(
                mutant, (bad.get("message") or "").splitlines()[0][:200] if bad.get("message") else ""
            )
        else:
            passed.add(mutant)
    result.survived = passed - set(result.killed)


def markdown(result: MutationResult) -> str:
    lines = [
        "## Generated mutants",
        "",
        "`odmd-bdd mutate` derives mutants from the contracts and the dataset "
        "(src/odmd_bdd/tools/mutants/generate.py), plants all of them on one embedded enver, keyed by "
        "run id, and runs each against the scenarios whose dataset cases it changes. "
        f"{len(result.mutants)} mutants generated.",
        "",
    ]
    layers = list(result.layers)
    lines.append("| class | " + " | ".join(f"{layer}: killed / run" for layer in layers) + " |")
    lines.append("|---|" + "---:|" * len(layers))
    for kind in CLASSES:
        ids = {m.id for m in result.mutants if m.kind == kind}
        cells = []
        for layer in layers:
            if not observable(kind, layer):
                cells.append(f"n/a ({OBSERVABLE_ON[kind][1]})")
                continue
            lr = result.layers[layer]
            run = ids & (set(lr.killed) | lr.survived)
            killed = ids & set(lr.killed)
            cells.append(f"{len(killed)} / {len(run)}" + (f" ({100 * len(killed) // len(run)}%)" if run else ""))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    ran = {i for lr in result.layers.values() for i in set(lr.killed) | lr.survived}
    equivalent = [
        m
        for m in result.mutants
        if m.conditional and m.id not in ran and result.calls is not None and not _exercised(m, result.calls)
    ]
    unexercised = [
        m
        for m in result.mutants
        if m.id not in ran and result.calls is not None and not m.conditional and not _exercised(m, result.calls)
    ]
    sampled_out = len(result.mutants) - len(ran) - len(equivalent) - len(unexercised)
    lines += [
        "",
        f"Not exercised (no scenario is answered from the mutant's case): {len(unexercised)}. "
        f"Equivalent ({STALE_REASON}, in no scenario): {len(equivalent)}. "
        f"Left out by the GUI layer's per-class sample, or of a class a layer cannot observe: {sampled_out}.",
    ]
    by_id = {m.id: m for m in result.mutants}
    survivors = [(layer, by_id[i]) for layer, lr in result.layers.items() for i in sorted(lr.survived)]
    lines += ["", "### Survivors", ""]
    if not survivors:
        lines.append("None.")
    for layer, m in survivors:
        lines.append(f"- [{layer}] {m.id} {m.kind}: {m.case} {m.description}")
    lines += [
        "",
        "Run times: baseline "
        + f"{result.baseline_seconds:.0f}s; "
        + "; ".join(f"{layer} {lr.runs} scenario runs in {lr.seconds:.0f}s" for layer, lr in result.layers.items())
        + ".",
        "",
    ]
    return "\n".join(lines)
