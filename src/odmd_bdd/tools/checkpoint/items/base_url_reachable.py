"""0A `base-url-reachable`: one request to the base URL; any HTTP answer counts (the seed's curl).
The probe is the resolution's own (`resolution.envers.reach`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from odmd_bdd.checks.problems import Problem
from odmd_bdd.resolution.envers import Reach, probe_client, reach
from odmd_bdd.tools.checkpoint.context import ProbeContext

ID, TITLE = "base-url-reachable", "base URL reachable"


@dataclass
class BaseUrlReachable:
    reach: Reach
    problems: list[Problem] = field(default_factory=list)


def check(ctx: ProbeContext, service: str) -> BaseUrlReachable:
    url = ctx.enver.services[service].base_url
    with probe_client(5.0, connect=3.0) as client:
        found = reach(url, client)
    problems = [] if found.reachable else [Problem(f"{ID}.no-answer", f"GET {url}", f"no answer: {found.error}")]
    return BaseUrlReachable(found, problems)
