"""The checks' findings as checklist items: the ✔/✘ evidence lines a person reads.

Each `*_item` takes what one check (`tools.checkpoint.items.*`, or `bdd.BddRun.attribute`)
returned and decides the item's outcome and its lines; nothing here measures. Lines name
what was requested, what came back and which artifact version, clipped to one screen line;
they leave out ports and timings.
"""

from __future__ import annotations

from collections.abc import Iterable

from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint.bdd import LayerAttribution
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items import (
    artifact_valid,
    base_url_published,
    base_url_reachable,
    invalid_request,
    projection,
    real_answers,
    real_events,
    schema_artifact,
    valid_request,
)
from odmd_bdd.tools.checkpoint.model import FAIL, MARK, NA, PASS, Item

MAX_LINE = 240
MAX_BDD_LINE = 300  # a BDD line names a feature file, a scenario and its failure


def clip(text: str, limit: int = MAX_LINE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _joined(problems: Iterable[Problem], limit: int) -> str:
    return "; ".join(str(p) for p in list(problems)[:limit])


def _failed(problem: Problem, sep: str = " → ") -> str:
    """`✘ <where><sep><message>`: what was checked, then what is wrong with it."""
    return clip(f"{MARK[FAIL]} {problem.where}{sep}{problem.message}")


def _outcome(failed: bool) -> str:
    return FAIL if failed else PASS


# --- 0A ---------------------------------------------------------------------------------------


def base_url_published_item(found: base_url_published.BaseUrlPublished) -> Item:
    if found.problems:
        return Item(base_url_published.ID, base_url_published.TITLE, FAIL, [p.message for p in found.problems])
    lines = [f"SSM {found.parameter} = {found.value}"]
    if found.differs:
        lines.append(f"the run uses {found.base_url} instead ({found.source})")
    return Item(base_url_published.ID, base_url_published.TITLE, PASS, lines)


def base_url_reachable_item(found: base_url_reachable.BaseUrlReachable) -> Item:
    reach = found.reach
    if found.problems:
        return Item(
            base_url_reachable.ID, base_url_reachable.TITLE, FAIL, [f"{p.where} → {p.message}" for p in found.problems]
        )
    return Item(
        base_url_reachable.ID,
        base_url_reachable.TITLE,
        PASS,
        [f"GET {reach.url} → HTTP {reach.status} (any HTTP answer counts)"],
    )


def schema_artifact_item(found: schema_artifact.SchemaArtifact) -> Item:
    lines = [f"SSM {found.parameter} = {found.url}"] if found.url is not None else []
    if found.problems:
        return Item(schema_artifact.ID, schema_artifact.TITLE, FAIL, lines + [p.message for p in found.problems])
    root, parts = found.docs[0], found.docs[1:]
    lines.append(
        f"{root.address} version {root.version}: odmdKind {root.kind}, {root.size} bytes, content {root.content_digest}"
    )
    for key, part in zip(found.parts, parts, strict=True):
        lines.append(
            f"  {key}: {part.address} version {part.version}: odmdKind {part.kind}, {part.size} bytes, "
            f"content {part.content_digest}"
        )
    return Item(schema_artifact.ID, schema_artifact.TITLE, PASS, lines)


# --- 0B ---------------------------------------------------------------------------------------


def artifact_valid_item(found: artifact_valid.ArtifactValidity) -> Item:
    ID, TITLE = artifact_valid.ID, artifact_valid.TITLE
    if found.root is None:
        return Item(ID, TITLE, FAIL, [p.message for p in found.problems])
    lines = [f"{MARK[FAIL]} {p}" for p in found.problems]
    failed = bool(found.problems)
    if found.bundle_parts is not None:
        lines.append(f"{MARK[PASS]} {found.root.url}: odmdKind bundle → {', '.join(found.bundle_parts)}")
    for doc in found.docs:
        if doc.problems:
            failed = True
            lines.append(f"{MARK[FAIL]} {doc.doc.url}: {doc.summary}: " + _joined(doc.problems, 5))
            continue
        copy = ""
        if doc.local is not None:
            copy = ("; same content as the local copy " if doc.same_as_local else "; differs from the local copy ") + (
                doc.local
            )
        lines.append(
            f"{MARK[PASS]} {doc.doc.url}: {doc.summary}, odmdKind {doc.doc.kind}, "
            f"every schema valid (Draft 2020-12){copy}"
        )
    return Item(ID, TITLE, _outcome(failed), [clip(line) for line in lines])


def invalid_request_item(found: invalid_request.InvalidRequests) -> Item:
    ID, TITLE = invalid_request.ID, invalid_request.TITLE
    lines, failed = [], False
    for probe in found.probes:
        if probe.request is None:
            lines.append(f"{MARK[NA]} {probe.operation}: no invalid body could be built from its request schema")
        elif probe.problems:
            failed = True
            lines += [_failed(p) for p in probe.problems]
        else:
            lines.append(
                clip(f"{MARK[PASS]} {probe.request} → 400, issues: {invalid_request.issues_text(probe.issues)}")
            )
    if not found.sent:
        return Item(
            ID, TITLE, NA, lines + [f"no operation of {found.service}'s contract takes a request body to break"]
        )
    return Item(ID, TITLE, _outcome(failed), lines)


def valid_request_item(ctx: ProbeContext, found: valid_request.ValidRequests) -> Item:
    ID, TITLE = valid_request.ID, valid_request.TITLE
    lines, failed = [], False
    for probe in found.probes:
        ex = probe.exchange
        if ex is None:
            failed = True
            lines.append(clip(f"{MARK[FAIL]} {probe.request} → no answer: {probe.error}"))
            continue
        if not probe.answered_2xx or probe.problems:
            failed = True
            why = _joined(probe.problems, 3) or f"expected 2xx, {ctx.json(ex.response_body)}"
            lines.append(clip(f"{MARK[FAIL]} {probe.request} → {ex.status}: {why}"))
            continue
        same = (
            "equals the dataset's answer"
            if not probe.differences
            else f"differs from the dataset's answer: {_joined(probe.differences, 2)}"
        )
        lines.append(clip(f"{MARK[PASS]} {probe.request} → {ex.status}, body matches the response schema; {same}"))
    if found.missing:
        lines.append(f"{MARK[NA]} no 2xx use-case step in the dataset for: {', '.join(found.missing)}")
    if not found.probes:
        return Item(ID, TITLE, FAIL, lines or [f"the dataset has no valid case for any operation of {found.service}"])
    return Item(ID, TITLE, _outcome(failed), lines)


def projection_item(found: projection.ProjectionCoverage) -> Item:
    lines = []
    uncovered, unknown, examples = found.of("uncovered"), found.of("unknown"), found.of("example")
    if uncovered:
        lines += [f"{MARK[FAIL]} {p}" for p in uncovered]
    else:
        lines.append(f"{MARK[PASS]} every operation of the published contract ({found.operations}) has a dataset case")
    lines += [f"{MARK[FAIL]} {p}" for p in unknown]
    if examples:
        lines += [clip(f"{MARK[FAIL]} {p}") for p in examples[:5]]
        if len(examples) > 5:
            lines.append(f"{MARK[FAIL]} … and {len(examples) - 5} more example problems")
    else:
        lines.append(
            f"{MARK[PASS]} its {found.cases} cases ({found.steps} steps, {found.cases - found.steps} error cases; "
            f"{', '.join(found.use_cases) or 'no use case'}) validate against the published artifacts"
        )
    generated = found.of("generate") + found.of("missing")
    lines += [f"{MARK[FAIL]} {p}" for p in generated]
    if found.digest is not None:
        lines.append(
            f"{MARK[PASS]} `odmd-bdd project` generates its {found.file_name} with every case ({found.digest[:23]}…)"
        )
    if found.existing is not None:
        same = bool(found.up_to_date)
        lines.append(
            f"{MARK[PASS] if same else MARK[NA]} {found.existing} "
            f"{'is up to date' if same else 'is stale (run odmd-bdd project)'}"
        )
    return Item(projection.ID, projection.TITLE, _outcome(bool(found.problems)), lines)


# --- 1A ---------------------------------------------------------------------------------------


def real_answers_item(found: real_answers.RealAnswers) -> Item:
    ID, TITLE = real_answers.ID, real_answers.TITLE
    if not found.answers:
        return Item(ID, TITLE, NA, [f"{found.service} has no state-changing operation with a dataset case"])
    lines, failed = [], False
    for answer in found.answers:
        if answer.problems:
            failed = True
            lines += [_failed(p) for p in answer.problems]
            continue
        probe = answer.probe
        assert probe.exchange is not None
        lines.append(
            clip(
                f"{MARK[PASS]} {probe.request} → {probe.exchange.status}, schema-valid, differs from the mock: "
                f"{_joined(probe.differences, 2)}"
            )
        )
    return Item(ID, TITLE, _outcome(failed), lines)


def real_events_item(found: real_events.RealEvents) -> Item:
    ID, TITLE = real_events.ID, real_events.TITLE
    if not found.applicable:
        return Item(ID, TITLE, NA, [f"no state-changing case of {found.service} publishes an event"])
    if found.problems:
        return Item(ID, TITLE, FAIL, [p.message for p in found.problems])
    lines, failed = [], False
    for event in found.events:
        if event.problems:
            failed = True
            lines += [_failed(p, ": ") for p in event.problems]
            continue
        lines.append(
            clip(
                f"{MARK[PASS]} {event.message} on {event.queue} after {event.probe.case.ref}: "
                "conforms, differs from the mock payload"
            )
        )
    return Item(ID, TITLE, _outcome(failed), lines)


# --- the BDD items (0B) -----------------------------------------------------------------------


def bdd_item(found: LayerAttribution) -> Item:
    service, layer = found.service, found.layer
    item_id, title = f"bdd-{layer}", f"{'API' if layer == 'api' else 'GUI'}-level BDD of its use cases passes"
    if found.not_run is not None:
        return Item(item_id, title, FAIL, [f"not run: {found.not_run}"])
    if found.error:
        return Item(item_id, title, FAIL, [f"the features could not be run: {found.error}"])
    passed = found.passed
    lines = [f"{MARK[FAIL]} {s.where} {s.name!r} [{layer}]: {s.failure}" for s in found.against]
    if passed:
        names = ", ".join(repr(s.name) for s in passed[:4]) + (
            f" and {len(passed) - 4} more" if len(passed) > 4 else ""
        )
        lines.append(
            f"{MARK[PASS]} {len(passed)} {layer} scenario{'s' if len(passed) != 1 else ''} exchanging with "
            f"{service} passed: {names}"
        )
    for s in found.elsewhere:
        lines.append(f"{MARK[NA]} {s.where} {s.name!r} [{layer}] failed at {s.last_service} after reaching {service}")
    lines = [clip(line, MAX_BDD_LINE) for line in lines]
    if found.against:
        return Item(item_id, title, FAIL, lines)
    if not passed:
        return Item(item_id, title, FAIL, lines + [f"no {layer} scenario exchanged with {service}"])
    return Item(item_id, title, PASS, lines)
