"""The BDD items of Phase 0B: the features run once, on both layers, and each scenario's
result is attributed to the services it exchanged with.

The run is `pytest features/` in a subprocess (the project's conftest and step modules
must load into a fresh process, as for `odmd-bdd check`), with a recorder plugin
(`case_coverage.CoverageRecorder`, extended) that writes every scenario's outcome and the
services its exchanges reached to a JSON file. It targets the very enver the checkpoint
resolved: a deployed enver by its name; the embedded enver through the embedded AWS it
published itself into (a constellation copy names that endpoint), with the web client
the share publishes. Its Allure results go to `<out>/allure-results`, next to the
checkpoint's own result.

Attribution: a passing scenario counts for every service it exchanged with on its layer;
a failing one counts against the service of its last exchange (the step that failed was
talking to it), and is only "inconclusive" for the services it reached before. A scenario
that failed before any exchange (a browser that does not start) counts against every
service of its layer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.names import DEFAULT_LAYER, LAYERS, id_params
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.tools.case_coverage import CoverageRecorder

RUN_TIMEOUT_S = 900


@dataclass
class ScenarioResult:
    nodeid: str
    name: str
    where: str  # feature file:line
    layer: str
    outcome: str  # passed | failed | skipped
    failure: str | None
    services: list[str] = field(default_factory=list)  # in the order first reached
    last_service: str | None = None  # the service of the last exchange


@dataclass
class LayerAttribution:
    """One service's share of one layer's run (see the module's attribution rules)."""

    service: str
    layer: str
    not_run: str | None = None  # why the layer did not run
    error: str | None = None  # why the features could not be run
    passed: list[ScenarioResult] = field(default_factory=list)  # passed, exchanging with the service
    against: list[ScenarioResult] = field(default_factory=list)  # failed at the service (or before any exchange)
    elsewhere: list[ScenarioResult] = field(default_factory=list)  # failed at another service after reaching it


@dataclass
class BddRun:
    scenarios: list[ScenarioResult] = field(default_factory=list)
    layers: tuple[str, ...] = LAYERS
    left_out: dict[str, str] = field(default_factory=dict)  # layer -> why it did not run
    exit_code: int | None = None
    error: str | None = None  # the run could not be made
    seconds: float = 0.0
    allure_dir: str | None = None

    def summary(self) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = {}
        for s in self.scenarios:
            counts.setdefault(s.layer, {}).setdefault(s.outcome, 0)
            counts[s.layer][s.outcome] += 1
        return {
            "layers": list(self.layers),
            "exit_code": self.exit_code,
            "error": self.error,
            "seconds": round(self.seconds, 1),
            "allure_dir": self.allure_dir,
            "left_out": dict(self.left_out),
            "counts": {layer: dict(sorted(c.items())) for layer, c in sorted(counts.items())},
        }

    def attribute(self, service: str, layer: str) -> LayerAttribution:
        """The scenarios of `layer` that count for `service`, against it, or failed past it."""
        found = LayerAttribution(service, layer)
        if layer not in self.layers:
            found.not_run = self.left_out.get(layer, f"the {layer} layer was left out of this checkpoint")
            return found
        if self.error:
            found.error = self.error
            return found
        mine = [s for s in self.scenarios if s.layer == layer]
        found.passed = [s for s in mine if s.outcome == "passed" and service in s.services]
        found.against = [s for s in mine if s.outcome == "failed" and (s.last_service == service or not s.services)]
        found.elsewhere = [
            s for s in mine if s.outcome == "failed" and s not in found.against and service in s.services
        ]
        return found


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- in the subprocess ---------------------------------------------------------------------


class ScenarioRecorder(CoverageRecorder):
    """CoverageRecorder, plus skipped scenarios; dumps what the checkpoint needs as JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: dict[str, tuple[str, int, str]] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        first = report.nodeid not in self.runs or self.runs[report.nodeid].failure is None
        super().pytest_runtest_logreport(report)
        if report.failed and first and report.nodeid in self.runs:
            self.runs[report.nodeid].failure = _failure(str(report.longrepr))
        if report.skipped:
            path, line, name = report.location
            self.skipped[report.nodeid] = (path, (line or 0) + 1, name)

    def results(self) -> list[dict[str, Any]]:
        out = []
        for nodeid, run in self.runs.items():
            services: list[str] = []
            for obs in run.observations:
                for svc in [obs.action.service, *(ex.service for ex in obs.exchanges)]:
                    if svc and svc != "?" and svc not in services:  # "?": a request no service took
                        services.append(svc)
            last = None
            if run.observations:
                obs = run.observations[-1]
                known = [ex.service for ex in obs.exchanges if ex.service and ex.service != "?"]
                last = known[-1] if known else obs.action.service
            out.append(
                asdict(
                    ScenarioResult(
                        nodeid,
                        run.name,
                        f"{_rel(run.feature, self.rootpath)}:{run.line}",
                        _layer(nodeid),
                        "passed" if run.passed else "failed",
                        run.failure,
                        services,
                        last,
                    )
                )
            )
        for nodeid, (_path, _line, name) in self.skipped.items():
            if nodeid not in self.runs:  # skipped before it ran (no layer for it): name it by its node id
                out.append(asdict(ScenarioResult(nodeid, name, nodeid.split("::")[0], _layer(nodeid), "skipped", None)))
        return sorted(out, key=lambda r: r["nodeid"])


def _failure(text: str, lines: int = 3) -> str:
    """The exception lines of pytest's long representation ("E   ..."), the first few joined:
    a contract violation names its problems on the lines after its first."""
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ") and line[1:].strip()]
    chosen = " ".join(errors[:lines]) if errors else (text.strip().splitlines() or ["no details"])[-1]
    return _clip(chosen, 400)


def _layer(nodeid: str) -> str:
    params = id_params(nodeid)
    return params if params in LAYERS else DEFAULT_LAYER


def _rel(path: Path, root: Path | None) -> str:
    try:
        return str(Path(path).resolve().relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


# --- in the checkpoint's process -------------------------------------------------------------


def _embedded_target(constellation: Constellation, enver: Enver, folder: Path) -> tuple[Path, str, dict[str, str]]:
    """A constellation copy with an enver that reaches the running embedded enver through the
    embedded AWS it published itself into (absolute paths: the copy lives elsewhere)."""
    raw = yaml.safe_load(constellation.path.read_text(encoding="utf-8")) or {}
    base = constellation.base
    raw["dataset"] = str((base / raw.get("dataset", "dataset/master-mock-dataset.yaml")).resolve())
    for spec in (raw.get("services") or {}).values():
        spec["contract"] = str((base / spec["contract"]).resolve())
    name = f"checkpoint-{enver.name}"
    raw.setdefault("envers", {})[name] = {
        "revision": enver.spec.revision,
        "region": enver.aws.region,
        "endpoint_url": enver.aws.endpoint_url,
        "transport": enver.spec.transport,
    }
    path = folder / "constellation.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    from odmd_bdd.aws.embedded import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY

    env = {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    return path, name, env


def run_features(
    constellation: Constellation,
    enver: Enver,
    features: Path,
    *,
    layers: tuple[str, ...] = LAYERS,
    allure_dir: Path | None = None,
    base_url_file: str | Path | None = None,
    cwd: Path | None = None,
    timeout: float = RUN_TIMEOUT_S,
) -> BddRun:
    """Run every feature once against `enver` on `layers`; never raises for a failed run."""
    started = time.perf_counter()
    layers = tuple(layers)
    left_out = {}
    if "gui" in layers and not enver.web_client_url:
        left_out["gui"] = f"enver {enver.name!r} publishes no web client URL for the GUI layer to drive"
        layers = tuple(layer for layer in layers if layer != "gui")
    run = BddRun(layers=layers, left_out=left_out, allure_dir=str(allure_dir) if allure_dir else None)
    if not layers:
        return run
    with tempfile.TemporaryDirectory(prefix="odmd-checkpoint-") as tmp:
        folder = Path(tmp)
        env = (
            {
                k: v
                for k, v in os.environ.items()
                if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")
            }
            if enver.spec.embedded
            else dict(os.environ)
        )
        if enver.spec.embedded:
            if enver.aws is None:
                run.error = f"the embedded enver {enver.name!r} has no embedded AWS to reach it through"
                return run
            path, name, extra = _embedded_target(constellation, enver, folder)
            env.update(extra)
            args = ["--enver", name, "--constellation", str(path)]
        else:
            args = ["--enver", enver.name, "--constellation", str(constellation.path)]
            if base_url_file:
                args += ["--base-urls", str(base_url_file)]
        if enver.web_client_url:
            args += ["--web-client-url", enver.web_client_url]
        if enver.spec.transport:
            args += ["--transport", enver.spec.transport]
        if tuple(layers) != LAYERS:
            args += ["--layer", layers[0]]
        # The project's addopts would write junit and Allure results to reports/: this run writes
        # only its own Allure results, where the checkpoint puts its result too.
        args += [
            "-o",
            "addopts=",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
            "-q",
            "--continue-on-collection-errors",
        ]
        if allure_dir is not None:
            args += ["--alluredir", str(allure_dir), "--clean-alluredir"]
        result = folder / "scenarios.json"
        command = [sys.executable, "-m", "odmd_bdd.tools.checkpoint.feature_run", str(result), str(features), *args]
        try:
            proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            run.error = f"the feature run took longer than {timeout:g}s and was stopped"
            run.seconds = time.perf_counter() - started
            return run
        run.seconds = time.perf_counter() - started
        if not result.exists():
            tail = " | ".join(line.strip() for line in (proc.stdout + proc.stderr).strip().splitlines()[-4:])
            run.error = f"the feature run ended without results (exit {proc.returncode}): {tail or 'no output'}"
            return run
        data = json.loads(result.read_text(encoding="utf-8"))
    run.exit_code = data["exit_code"]
    run.scenarios = [ScenarioResult(**s) for s in data["scenarios"]]
    if not run.scenarios and run.exit_code not in (0, 5):
        tail = " | ".join(line.strip() for line in (proc.stdout + proc.stderr).strip().splitlines()[-3:])
        errors = "; ".join(msg for _, msg in data.get("collect_errors", [])[:2])
        run.error = f"pytest exit code {run.exit_code}, no scenario ran: {errors or tail or 'no output'}"
    return run
