"""The fixtures steps use: each a line or two over the harness module that builds it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from odmd_bdd.actors import World
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.data.placeholders import Constants
from odmd_bdd.events.sqs import EventInbox, MessageIndex, NoEventBus
from odmd_bdd.harness import gui_layer, layer_actors, mutants, run_enver, worker_envers
from odmd_bdd.harness.collection import constellation_path
from odmd_bdd.harness.stash import CONSTELLATION, REDACTOR
from odmd_bdd.names import DEFAULT_LAYER
from odmd_bdd.redaction import Redactor
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.transports import Transport


@pytest.fixture
def layer() -> str:
    """The layer of this run (scenarios are parametrized over it; plain tests get `api`)."""
    return DEFAULT_LAYER


@pytest.fixture(scope="session")
def constellation(pytestconfig: pytest.Config) -> Constellation:
    if CONSTELLATION not in pytestconfig.stash:
        raise pytest.UsageError(f"no constellation file at {constellation_path(pytestconfig)}")
    return pytestconfig.stash[CONSTELLATION]


@pytest.fixture(scope="session")
def dataset(constellation: Constellation) -> Dataset:
    return constellation.dataset


@pytest.fixture(scope="session")
def constants(dataset: Dataset) -> Constants:
    return dataset.constants


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config) -> Redactor:
    return pytestconfig.stash.get(REDACTOR, None) or Redactor()


@pytest.fixture(scope="session")
def enver(pytestconfig: pytest.Config, constellation: Constellation) -> Iterator[Enver]:
    """The enver under test, resolved once per session (a run reuses a running embedded enver of the
    project: harness/warm_enver.py; an xdist worker does as its controller found: harness/worker_envers.py)."""
    attach = worker_envers.attach_to(pytestconfig, constellation)
    resolved = run_enver.open_enver(pytestconfig, constellation, attach)  # resolve_enver settles what it built
    yield resolved
    resolved.close()


@pytest.fixture(scope="session")
def api_transport(pytestconfig: pytest.Config, enver: Enver) -> Iterator[Transport]:
    transport = run_enver.api_transport(pytestconfig, enver)
    yield transport
    transport.close()


@pytest.fixture(autouse=True)
def odmd_mutant(request: pytest.FixtureRequest) -> str | None:
    """The mutant this scenario run is keyed to (--odmd-mutants), else None."""
    return getattr(request, "param", None)


@pytest.fixture
def world(odmd_mutant: str | None) -> World:
    return World(mutants.run_id(odmd_mutant))


@pytest.fixture(scope="session")
def event_timeout(pytestconfig: pytest.Config) -> float:
    return float(pytestconfig.getoption("event_timeout"))


@pytest.fixture(scope="session")
def message_index(enver: Enver) -> MessageIndex:
    return MessageIndex(enver.event_contracts)


@pytest.fixture
def events(
    request: pytest.FixtureRequest, enver: Enver, world: World, message_index: MessageIndex
) -> Iterator[EventInbox | NoEventBus]:
    """This scenario run's events; what arrives is attached to the step that waited for it."""
    inbox = run_enver.open_inbox(request.node, enver, message_index, world.run_id)
    yield inbox
    inbox.close()


@pytest.fixture
def actor(request: pytest.FixtureRequest, layer: str, enver: Enver, world: World, redactor: Redactor) -> Any:
    """The actor of this run's layer; steps call `actor.perform(action)`."""
    return layer_actors.actor_for(request, layer, enver, world, redactor)


@pytest.fixture(scope="session")
def gui_browser(pytestconfig: pytest.Config) -> Iterator[Any]:
    """One Chromium per worker, launched the first time a GUI scenario needs it."""
    browser = gui_layer.launch_browser(pytestconfig)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def gui_contexts(pytestconfig: pytest.Config, gui_browser: Any) -> Iterator[Any]:
    """The worker's browser contexts: reset between scenarios, or fresh each (--gui-isolation)."""
    contexts = gui_layer.contexts(pytestconfig, gui_browser)
    yield contexts
    contexts.close()


@pytest.fixture(scope="session")
def web_client_url(pytestconfig: pytest.Config, enver: Enver) -> str:
    return run_enver.web_client_url(pytestconfig, enver)


@pytest.fixture
def gui_session(
    request: pytest.FixtureRequest,
    gui_contexts: Any,
    web_client_url: str,
    enver: Enver,
    world: World,
    redactor: Redactor,
) -> Iterator[Any]:
    """This scenario's browser context and page; a failed scenario leaves a screenshot and a trace in reports/traces/."""
    session = gui_layer.open_session(request, gui_contexts, web_client_url, enver, world, redactor)
    yield session
    gui_layer.close_session(request, session)
