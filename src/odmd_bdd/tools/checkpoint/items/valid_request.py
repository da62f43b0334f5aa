"""0B `valid-request-2xx`: each operation's valid dataset case sent once (its earlier steps
first, same run); the answer must be 2xx matching the response schema. 1A reuses the probes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from odmd_bdd.checks import contract as contract_checks
from odmd_bdd.checks import expect
from odmd_bdd.checks.problems import Problem
from odmd_bdd.data.dataset import Case
from odmd_bdd.errors import OdmdError, TransportError
from odmd_bdd.tools.checkpoint.context import ProbeContext, ValidProbe, route

ID, TITLE = "valid-request-2xx", "valid request (the dataset's case) → 2xx matching the response schema"


@dataclass
class ValidRequests:
    service: str
    probes: list[ValidProbe]
    missing: list[str]  # operations without a 2xx use-case step in the dataset


def _prerequisites(ctx: ProbeContext, case: Case, seen: set[str] | None = None) -> list[Case]:
    """The cases `case` comes after, transitively, in the order to send them."""
    seen = set() if seen is None else seen
    out: list[Case] = []
    for ref in case.after:
        if ref in seen:
            continue
        seen.add(ref)
        before = ctx.dataset.case(ref)
        out += _prerequisites(ctx, before, seen) + [before]
    return out


def valid_probes(ctx: ProbeContext, service: str) -> list[ValidProbe]:
    """Each operation's valid dataset case sent once (prerequisite steps first, same run)."""
    if service in ctx.valid:
        return ctx.valid[service]
    endpoint = ctx.enver.services[service]
    probes = []
    for op in sorted(endpoint.contract.operations.values(), key=lambda o: o.operation_id):
        case = ctx.valid_case(service, op.operation_id)
        if case is None:
            continue
        run = ctx.new_run()
        request = f"{route(op, case.request.get('path'), case.request.get('query'))} ({case.ref})"
        if case.request.get("body") is not None:
            request += f" {ctx.json(case.request['body'])}"
        try:
            for before in _prerequisites(ctx, case):
                ctx.send_case(before, run)
            sent_at = time.time()
            ex = ctx.send_case(case, run)
        except (TransportError, OdmdError) as exc:
            probes.append(ValidProbe(case, request, None, error=str(exc), run=run))
            continue
        problems = contract_checks.response(op, ex.status, ex.response_body, ex.content_type)
        differences = (
            expect.body(case.response.get("body"), ex.response_body)
            if ex.status == case.status
            else [Problem("dataset.status", "", f"status {ex.status}, the dataset's {case.status}")]
        )
        probes.append(ValidProbe(case, request, ex, None, problems, differences, run, sent_at))
    ctx.valid[service] = probes
    return probes


def check(ctx: ProbeContext, service: str) -> ValidRequests:
    probes = valid_probes(ctx, service)
    ops = ctx.enver.services[service].contract.operations
    return ValidRequests(service, probes, sorted(set(ops) - {p.case.operation for p in probes}))
