"""Gathering a checkpoint's evidence: every service of a resolved enver, its current phase's items."""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path

import yaml

from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import ServiceContracts
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.tools.checkpoint import render
from odmd_bdd.tools.checkpoint.bdd import LAYERS, BddRun, run_features
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items.schema_artifact import resolved_docs
from odmd_bdd.tools.checkpoint.model import PHASES, Evidence, PhaseEvidence, current_phase, sha256
from odmd_bdd.tools.checkpoint.phases import phase_0a, phase_0b, phase_1a

PHASE_OF = {"0A": "0", "0B": "0", "1A": "1"}
_ENVER_OF = {"0": "the mock enver (b..mock)", "1": "a dev enver (b..dev)"}


def not_applicable(phase: str, revision: str, current: str | None) -> str:
    """Why the enver of `revision` does not check `phase`."""
    if current is None:
        return f"revision {revision} maps to no phase (mock → 0, dev → 1, main → 2+)"
    return (
        f"Phase {phase} is checked on {_ENVER_OF[PHASE_OF[phase]]}; this enver's revision {revision} is Phase {current}"
    )


def collect(
    constellation: Constellation,
    enver: Enver,
    *,
    services: Iterable[str] | None = None,
    features: Path = Path("features"),
    layers: tuple[str, ...] = LAYERS,
    allure_dir: Path | None = None,
    base_url_file: str | Path | None = None,
    cwd: Path | None = None,
    projections: Path | None = Path("reports/projections"),
    token: str | None = None,
    event_timeout: float = 5.0,
) -> Evidence:
    """Measure every phase of every (chosen) service of `enver`. `layers=()` runs no feature:
    the BDD items then fail as "not run" (so such a checkpoint never reaches NEEDS_VALIDATION)."""
    started = time.perf_counter()
    chosen = sorted(services) if services else sorted(constellation.services)
    unknown = [s for s in chosen if s not in constellation.services]
    if unknown:
        raise OdmdError(f"unknown service {', '.join(unknown)} (services: {', '.join(sorted(constellation.services))})")
    revision = enver.spec.revision
    phase = current_phase(revision)
    ctx = ProbeContext(constellation, enver, token=token, event_timeout=event_timeout)
    evidence = Evidence(enver=enver.name, revision=revision, phase=phase, services={})
    try:
        projections_text, projection_errors = _projections(constellation, chosen)
        examples = _example_problems(constellation, enver) if phase == "0" else {}
        bdd: BddRun | None = None
        if phase == "0":
            bdd = run_features(
                constellation,
                enver,
                features,
                layers=layers,
                allure_dir=allure_dir,
                base_url_file=base_url_file,
                cwd=cwd,
            )
            evidence.bdd = {**bdd.summary(), "scenarios": [vars(s) for s in bdd.scenarios]}
        for service in chosen:
            items_0a, docs = phase_0a(ctx, service)
            docs = docs or resolved_docs(ctx, service)
            inputs = {f"artifact.{d.kind}": d.content_digest for d in docs}
            inputs["dataset.slice"] = (
                sha256(projections_text[service]) if service in projections_text else "unavailable"
            )
            endpoint = enver.services[service]
            evidence.facts[service] = {
                "base_url": endpoint.base_url,
                "base_url_source": endpoint.source,
                "artifacts": [{"kind": d.kind, "url": d.url, "content": d.content_digest} for d in docs],
            }
            phases = {"0A": PhaseEvidence(service, "0A", revision, True, items=items_0a, inputs=inputs)}
            if phase == "0":
                existing = projections / service / "MOCK_ENVER_CONTEXT.md" if projections is not None else None
                assert bdd is not None
                items = phase_0b(
                    ctx,
                    service,
                    docs,
                    examples.get(service, []),
                    projections_text.get(service),
                    projection_errors.get(service),
                    existing,
                ) + [render.bdd_item(bdd.attribute(service, layer)) for layer in LAYERS]
                phases["0B"] = PhaseEvidence(service, "0B", revision, True, items=items, inputs=inputs)
            else:
                phases["0B"] = PhaseEvidence(service, "0B", revision, False, not_applicable("0B", revision, phase))
            if phase == "1":
                items = phase_1a(ctx, service)
                phases["1A"] = PhaseEvidence(service, "1A", revision, True, items=items, inputs=inputs)
            else:
                phases["1A"] = PhaseEvidence(service, "1A", revision, False, not_applicable("1A", revision, phase))
            evidence.services[service] = {p: phases[p] for p in PHASES}
    finally:
        ctx.close()
    evidence.seconds = round(time.perf_counter() - started, 1)
    return evidence


def _projections(constellation: Constellation, services: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each service's `odmd-bdd project` output, generated in memory (a pure function of the inputs)."""
    from odmd_bdd.tools.project import render_service

    texts, errors = {}, {}
    try:
        raw = yaml.safe_load(constellation.dataset.path.read_text(encoding="utf-8")) or {}
        contracts = constellation.service_contracts
    except OdmdError as exc:
        return {}, {s: str(exc) for s in services}
    for service in services:
        try:
            texts[service] = render_service(constellation, service, contracts[service], raw)
        except Exception as exc:  # a dataset the renderer cannot take is this item's failure, not the run's
            errors[service] = f"{type(exc).__name__}: {exc}"
    return texts, errors


def _example_problems(constellation: Constellation, enver: Enver) -> dict[str, list[Problem]]:
    """`odmd-bdd check`'s example check against the PUBLISHED contracts, per service: the check
    runs once per service on that service's cases alone, so each problem's owner is known."""
    from odmd_bdd.tools.dataset_check import YamlLines, check_examples, display

    dataset = constellation.dataset
    lines = YamlLines(dataset.path.read_text(encoding="utf-8"))
    contracts = service_contracts(enver)
    out: dict[str, list[Problem]] = {}
    for service in sorted({case.service for case in dataset.cases.values()} & set(constellation.services)):
        own = copy.copy(constellation)
        own.__dict__["dataset"] = dataclasses.replace(
            dataset, cases={ref: c for ref, c in dataset.cases.items() if c.service == service}
        )  # `dataset` is a cached property: the copy holds the service's slice instead
        problems = check_examples(own, contracts, lines, display(dataset.path))
        if problems:
            out[service] = problems
    return out


def service_contracts(enver: Enver) -> dict[str, ServiceContracts]:
    """The resolved (published) contracts of every service, in the shape `odmd-bdd check` uses."""
    return {
        name: ServiceContracts(name, ep.contract, ep.events, list(ep.artifacts)) for name, ep in enver.services.items()
    }
