"""The actor of a scenario run's layer: the API actor over the run's transport, or the GUI actor
over its browser session (Playwright loads only when a GUI scenario runs)."""

from __future__ import annotations

from typing import Any

import pytest

from odmd_bdd.actors import ApiActor, World
from odmd_bdd.actors.whole_answer import WholeAnswerActor
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.redaction import SENSITIVE_KEY, Redactor
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.resolution.envers import Enver


def actor_for(request: pytest.FixtureRequest, layer: str, enver: Enver, world: World, redactor: Redactor) -> Any:
    actor = _layer_actor(request, layer, enver, world, redactor)
    if enver.spec.answers != "full":
        return actor
    constellation: Constellation = request.getfixturevalue("constellation")
    return WholeAnswerActor(
        actor, enver, constellation.dataset, constellation.credentials(), world, SENSITIVE_KEY.search
    )


def _layer_actor(request: pytest.FixtureRequest, layer: str, enver: Enver, world: World, redactor: Redactor) -> Any:
    if layer == "api":
        return ApiActor(enver, request.getfixturevalue("api_transport"), world, Recorder(redactor))
    if layer == "gui":
        from odmd_bdd.actors.gui import GuiActor

        return GuiActor(request.getfixturevalue("gui_session"), enver, world, Recorder(redactor))
    raise pytest.UsageError(f"layer {layer!r} is not available")
