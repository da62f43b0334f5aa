"""0B `projection-covers`: the dataset's coverage of the published contract, its examples valid
against the published artifacts, and its `odmd-bdd project` output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.model import sha256

ID, TITLE = "projection-covers", "dataset projection covers its UC steps"


@dataclass
class ProjectionCoverage:
    file_name: str  # what `odmd-bdd project` writes (MOCK_ENVER_CONTEXT.md)
    operations: int  # of the published contract
    cases: int
    steps: int
    use_cases: list[str]
    digest: str | None = None  # of the generated projection, when it holds every case
    existing: Path | None = None  # the committed projection, when there is one
    up_to_date: bool | None = None  # whether it equals the generated one
    problems: list[Problem] = field(default_factory=list)

    def of(self, detail: str) -> list[Problem]:
        return [p for p in self.problems if p.code == f"{ID}.{detail}"]


def check(
    ctx: ProbeContext,
    service: str,
    example_problems: list[Problem],
    projection: str | None,
    projection_error: str | None,
    existing: Path | None,
) -> ProjectionCoverage:
    from odmd_bdd.tools.project import FILE_NAME

    contract = ctx.enver.services[service].contract
    cases = [c for c in ctx.dataset.cases.values() if c.service == service]
    found = ProjectionCoverage(
        FILE_NAME,
        len(contract.operations),
        len(cases),
        sum(1 for c in cases if c.kind == "step"),
        sorted({c.ref.split(".", 1)[0] for c in cases}),
    )
    uncovered = sorted(op for op in contract.operations if not ctx.dataset.cases_for(service, op))
    if uncovered:
        found.problems.append(
            Problem(
                f"{ID}.uncovered",
                "",
                f"operations of the published contract without a dataset case: {', '.join(uncovered)}",
            )
        )
    unknown = sorted({c.operation for c in cases if c.operation not in contract.operations})
    if unknown:
        found.problems.append(
            Problem(
                f"{ID}.unknown", "", f"dataset cases call operations the published contract lacks: {', '.join(unknown)}"
            )
        )
    found.problems += [Problem(f"{ID}.example", p.where, p.message, line=p.line) for p in example_problems]
    if projection is None:
        found.problems.append(
            Problem(f"{ID}.generate", "", f"`odmd-bdd project` cannot generate its {FILE_NAME}: {projection_error}")
        )
        return found
    missing = [c.ref for c in cases if f"#### {c.ref} (" not in projection]
    if missing:
        found.problems.append(Problem(f"{ID}.missing", "", f"its generated {FILE_NAME} lacks {', '.join(missing)}"))
    else:
        found.digest = sha256(projection)
    if existing is not None and existing.exists():
        found.existing = existing
        found.up_to_date = existing.read_text(encoding="utf-8") == projection
    return found
