"""1A `real-answers`: the valid requests of 0B, whose answers must now differ from the mock
dataset where real logic is expected (operations that change state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items.valid_request import ValidProbe, valid_probes

ID, TITLE = "real-answers", "answers differ from the mock dataset where real logic is expected"


@dataclass
class RealAnswer:
    probe: ValidProbe
    problems: list[Problem] = field(default_factory=list)  # where = the request


@dataclass
class RealAnswers:
    service: str
    answers: list[RealAnswer]


def real_logic_expected(ctx: ProbeContext, probe: ValidProbe) -> bool:
    """Where a real service must answer other than the mock: operations that change state."""
    op = ctx.enver.services[probe.case.service].contract.operation(probe.case.operation)
    return op.method != "GET" or bool(probe.case.events)


def check(ctx: ProbeContext, service: str) -> RealAnswers:
    answers = []
    for probe in valid_probes(ctx, service):
        if not real_logic_expected(ctx, probe):
            continue
        answer = RealAnswer(probe)
        ex = probe.exchange
        if ex is None:
            answer.problems.append(Problem(f"{ID}.no-answer", probe.request, f"no answer: {probe.error}"))
        elif not probe.answered_2xx or probe.problems:
            why = "; ".join(str(p) for p in probe.problems[:3]) or "not 2xx"
            answer.problems.append(Problem(f"{ID}.status", probe.request, f"{ex.status}: {why}"))
        elif not probe.differences:
            answer.problems.append(
                Problem(f"{ID}.mocked", probe.request, f"{ex.status}, exactly the mock dataset's answer: still mocked")
            )
        answers.append(answer)
    return RealAnswers(service, answers)
