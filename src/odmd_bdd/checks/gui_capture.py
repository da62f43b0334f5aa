"""GUI capture checks: what the web client sends from the browser, and what it gets back.

The network capture (gui.capture) runs them on every request of the page; the GUI actor
raises the problems they find as one ContractViolation of the action.
"""

from __future__ import annotations

from typing import Any

from odmd_bdd.checks import contract
from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.contracts.openapi import Operation

SCRIPT_REQUESTS = ("fetch", "xhr")  # what the client sends from script, not the page's own loading


@check("gui_capture.outside")
def outside(method: str, url: str, resource_type: str) -> list[Problem]:
    """A request outside the constellation is a problem when the client sends it from script
    (it goes nowhere either way: a scenario never talks to the internet)."""
    if resource_type not in SCRIPT_REQUESTS:
        return []
    return [
        Problem(
            "gui_capture.outside",
            f"{method} {url}",
            "the web client called a URL outside the constellation (blocked)",
        )
    ]


@check("gui_capture.unanswered")
def unanswered(method: str, url: str, reason: str) -> list[Problem]:
    """A request to a service that got no answer in the browser (refused, reset, page gone)."""
    return [Problem("gui_capture.unanswered", f"{method} {url}", f"the browser got no answer: {reason}")]


@check("gui_capture.cors")
def cors_refused(method: str, url: str, reason: str) -> list[Problem]:
    """The browser refused the service's answer under CORS; `reason` is the browser's own, which
    names the header at fault (a preflight's Access-Control-Allow-Headers/-Methods, the answer's
    Access-Control-Allow-Origin)."""
    return [Problem("gui_capture.cors", f"{method} {url}", f"the browser refused the answer (CORS): {reason}")]


@check("gui_capture.answer")
def answer(
    service: str,
    contract_label: str,
    op: Operation | None,
    method: str,
    path: str,
    status: int,
    body: Any,
    content_type: str | None,
) -> list[Problem]:
    """A request to a service: its route must be an operation of the service's contract
    (`contract_label`), and the answer must conform to that operation."""
    if op is None:
        return [
            Problem(
                "gui_capture.answer.route",
                f"{method} {path}",
                f"no operation of the {service} contract ({contract_label}) declares this route (it answered {status})",
            )
        ]
    return [problem.within(op.label) for problem in contract.response(op, status, body, content_type)]
