"""Every answer of a mock or local enver compared in full, on both layers.

`WholeAnswerActor` wraps a layer's actor. After each action it finds the exchange of the
action's operation (the API call, or the web client's request), computes what a Phase 0 mock
answers to exactly that request (checks.phase0: the same rule the embedded enver answers by,
from the harness's own copy of the contracts and dataset, with the cases this scenario's run
has been answered so far), and compares the answer in full (checks.whole_answer), whether or
not a step names a field. A service at an explicit address (--base-urls, ODMD_*_BASE_URL)
is not the mock's, so only its steps compare. The enver's `answers` mode says whether this runs: `full` (mock and
local envers) or `named` (dev and main: only what the steps name is compared).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from odmd_bdd.actors.base import Action, Observation, World
from odmd_bdd.checks import phase0, whole_answer
from odmd_bdd.checks.problems import lines
from odmd_bdd.contracts.security import Credentials
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.transports import Exchange


class WholeAnswerActor:
    def __init__(
        self,
        actor: Any,
        enver: Enver,
        dataset: Dataset,
        tokens: Credentials | set[str],
        world: World,
        secret_path: Callable[[str], object],
    ):
        self.actor = actor
        self.enver = enver
        self.dataset = dataset
        self.tokens = tokens
        self.world = world
        self.names = whole_answer.ValueNames(dataset.constants, secret_path)
        if world.case_answers is None:
            world.case_answers = []  # this run's answers are known: each one from a case is noted

    def __getattr__(self, name: str) -> Any:  # the wrapped actor's session, recorder, ...
        return getattr(self.actor, name)

    def __repr__(self) -> str:
        return f"<WholeAnswerActor {self.actor!r}>"

    @property
    def layer(self) -> str:
        return str(self.actor.layer)

    def perform(self, action: Action) -> Observation:
        observation = self.actor.perform(action)
        if self.enver.service(action.service).explicit:
            return observation  # at an explicit address: not the mock enver's service, only steps compare
        calls = [e for e in observation.exchanges if (e.service, e.operation_id) == (action.service, action.operation)]
        if len(calls) != 1:  # the GUI actor has already failed a submit that made no call, or several
            return observation
        exchange = calls[0]
        expected = self.expected(exchange)
        observation.expected = expected
        if expected.case is not None:
            self.world.answered_cases.add(expected.case.ref)
            self.world.case_answers = [*(self.world.case_answers or []), expected.case]
        problems = whole_answer.answer(exchange.status, exchange.response_body, expected, self.names)
        if problems:
            case = expected.case
            source = f"dataset case {case.ref} ({case.where})" if case else "what a Phase 0 mock answers"
            raise AssertionError(
                f"{observation.label}: the answer differs from {source}, compared in full:\n  "
                + "\n  ".join(lines(problems))
            )
        return observation

    def expected(self, exchange: Exchange) -> phase0.Phase0Answer:
        """What a Phase 0 mock answers to the request of `exchange`."""
        service = self.enver.service(exchange.service)
        op = service.contract.operation(exchange.operation_id)
        url = urlsplit(exchange.url)
        base = urlsplit(service.base_url).path.rstrip("/")
        path = unquote(url.path)[len(base) :] if unquote(url.path).startswith(base) else unquote(url.path)
        params = op.matches(exchange.method, path) or {}
        headers = {k.lower(): v for k, v in exchange.request_headers.items()}
        return phase0.answer(
            op,
            self.dataset.cases_for(exchange.service, exchange.operation_id),
            self.tokens,
            headers,
            exchange.request_body,
            params,
            parse_qsl(url.query, keep_blank_values=True),
            frozenset(self.world.answered_cases),
        )
