"""0A `base-url-published`: the base URL parameter in /odmd-share, as OdmdShareOut publishes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from odmd_bdd.aws.share import ShareNotFound, read_share, share_name
from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint.context import ProbeContext

ID, TITLE = "base-url-published", "base URL published in /odmd-share"


@dataclass
class BaseUrlPublished:
    parameter: str  # the SSM parameter's name
    value: str | None  # what it holds (None: not read)
    base_url: str  # what the run uses
    source: str  # where the run's base URL came from
    problems: list[Problem] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.value is not None and self.value.rstrip("/") != self.base_url


def check(ctx: ProbeContext, service: str) -> BaseUrlPublished:
    spec = ctx.constellation.services[service]
    endpoint = ctx.enver.services[service]
    name = share_name(spec.build_id, ctx.enver.spec.revision, spec.base_url_producer)
    found = BaseUrlPublished(name, None, endpoint.base_url, endpoint.source)
    if ctx.ssm is None:
        found.problems.append(
            Problem(
                f"{ID}.unresolved",
                name,
                f"the enver is not resolved through /odmd-share: {service}'s base URL came from "
                f"{endpoint.source}, so {name} was not read",
            )
        )
        return found
    try:
        found.value = read_share(ctx.ssm, spec.build_id, ctx.enver.spec.revision, spec.base_url_producer)
    except ShareNotFound as exc:
        found.problems.append(Problem(f"{ID}.missing", name, str(exc)))
    return found
