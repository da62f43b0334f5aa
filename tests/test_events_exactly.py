"""Events exactly (issue 13 item 2): each action's events are compared with exactly the payloads
of the dataset case that answered it; another case's payload, a duplicate, an event on another
queue, an unexpected or a missing event turns the scenario red, naming it."""

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import replace_in
from odmd_bdd.checks import events
from odmd_bdd.data.placeholders import Expected
from odmd_bdd.events.published import event_published
from odmd_bdd.events.sqs import EventInbox, MessageIndex, queue_name

UC1 = "features/uc1_authentication_key_entity.feature"
ROOT_STEP = "    And an EntityCreated event is published for ${ROOT_ENTITY_ID}\n"


@dataclass
class Arrived:
    message: str
    queue: str
    payload: Any
    raw: str


@pytest.fixture(scope="module")
def dataset(reference_constellation):
    return reference_constellation.dataset


def _queue(message):
    return {"EntityCreated": "q-entity--r", "KeyRegistered": "q-key--r", "EntityUpdated": "q-updated--r"}[message]


def _arrived(dataset, ref, queue=None):
    event = dataset.case(ref).events[0]
    payload = copy.deepcopy(event["payload"])
    return Arrived(event["message"], queue or _queue(event["message"]), payload, json.dumps(payload))


def _run(dataset, arrived, refs):
    expected = events.expected_events([dataset.case(r) for r in refs], _queue)
    return [(p.code, str(p)) for p in events.run(arrived, expected, dataset)]


def test_exactly_the_answered_cases_events_pass(dataset):
    arrived = [_arrived(dataset, "UC1.register_root_key"), _arrived(dataset, "UC1.create_root_entity")]
    assert _run(dataset, arrived, ["UC1.register_root_key", "UC1.create_root_entity"]) == []
    # a case answered twice publishes twice
    twice = [_arrived(dataset, "UC1.create_root_entity"), _arrived(dataset, "UC1.create_root_entity")]
    assert _run(dataset, twice, ["UC1.create_root_entity", "UC1.create_root_entity"]) == []


def test_each_deviation_of_a_runs_events_is_named(dataset):
    root = _arrived(dataset, "UC1.create_root_entity")
    stray = Arrived("EntityCreated", "q-entity--r", {"event_type": "EntityCreated"}, '{"event_type": "EntityCreated"}')
    found = _run(
        dataset,
        [
            root,
            copy.deepcopy(root),  # a duplicate
            _arrived(dataset, "UC2.create_child_entity"),  # another case's payload
            _arrived(dataset, "UC1.register_root_key", queue="q-entity--r"),  # on another queue
            stray,
        ],
        ["UC1.create_root_entity", "UC1.register_root_key", "UC2.update_child_profile"],
    )
    assert [code for code, _ in found] == [
        "event.run.duplicate",
        "event.run.other-case",
        "event.run.queue",
        "event.run.unexpected",
        "event.run.missing",
    ]
    text = "\n".join(line for _, line in found)
    assert "queue q-entity--r: a duplicate EntityCreated event of case UC1.create_root_entity" in text
    assert (
        "queue q-entity--r: EntityCreated event with the payload of dataset case UC2.create_child_entity, "
        "which no action of this scenario was answered with" in text
    )
    assert (
        "queue q-entity--r: KeyRegistered event of case UC1.register_root_key on another queue: its channel's" in text
    )
    assert 'queue q-entity--r: EntityCreated event no answered case of this scenario declares ({"event_type"' in text
    assert "the EntityUpdated event of case UC2.update_child_profile never arrived" in text


def test_the_step_names_another_cases_payload_and_a_duplicate(enver, reference_constellation, dataset):
    """Sent by hand on the run's queue: the child's EntityCreated mentions the root (its parent)."""
    inbox = EventInbox(enver.sqs(), MessageIndex(reference_constellation.event_contracts), "run-exact-a")
    root = Expected(dataset.constants["ROOT_ENTITY_ID"], "ROOT_ENTITY_ID")
    answered = [dataset.case("UC1.create_root_entity")]
    try:
        url = inbox.queues.url(queue_name("identity-service-entity-created", "run-exact-a"))
        child = dataset.case("UC2.create_child_entity").events[0]["payload"]
        inbox.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(child))
        with pytest.raises(AssertionError) as err:
            event_published(inbox, dataset, "EntityCreated", root, 5, answered)
        assert (
            "the EntityCreated event is the payload of dataset case UC2.create_child_entity, which no action of "
            "this scenario was answered with (expected the payload of: UC1.create_root_entity)" in str(err.value)
        )
        inbox.received.clear()
        payload = json.dumps(answered[0].events[0]["payload"])
        inbox.sqs.send_message(QueueUrl=url, MessageBody=payload)
        event_published(inbox, dataset, "EntityCreated", root, 5, answered)
        inbox.sqs.send_message(QueueUrl=url, MessageBody=payload)
        with pytest.raises(AssertionError, match=r"a duplicate EntityCreated event: arrived 2 times, the scenario's "):
            event_published(inbox, dataset, "EntityCreated", root, 5, answered)
    finally:
        inbox.close()


def _plan(project, faults):
    plan = project.path / "plan.json"
    plan.write_text(json.dumps({"enver": faults}))
    return str(plan)


def _red(project, faults, *args, layer="api", feature=UC1):
    result = project.runpytest_subprocess(
        feature, "--layer", layer, "--event-timeout", "1", "--odmd-faults", _plan(project, faults), *args
    )
    result.assert_outcomes(failed=1)
    return result


SMOKE = ("-k", "registers_the_root_key")


def test_planted_duplicate_event_is_red_at_its_step(project):
    result = _red(project, [{"operation": "identity-service.createEntity", "event": "duplicate"}], *SMOKE)
    result.stdout.fnmatch_lines(
        [
            "*EntityCreated event for ${ROOT_ENTITY_ID} = *:",
            "*queue identity-service-entity-created--*: a duplicate EntityCreated event: arrived 2 times, the "
            "scenario's answers declare it 1 time(s) (case UC1.create_root_entity)*",
        ]
    )


def test_planted_event_of_another_case_is_red_at_its_step(project):
    fault = {"operation": "identity-service.createEntity", "event_from": "UC2.create_child_entity"}
    result = _red(project, [fault], *SMOKE)
    result.stdout.fnmatch_lines(
        [
            "*queue identity-service-entity-created--*: the EntityCreated event is the payload of dataset case "
            "UC2.create_child_entity, which no action of this scenario was answered with (expected the payload "
            "of: UC1.create_root_entity)*"
        ]
    )


def test_planted_event_on_another_queue_is_red_at_its_step(project):
    fault = {"operation": "key-service.registerKey", "event_queue": "identity-service-entity-created"}
    result = _red(project, [fault], *SMOKE)
    result.stdout.fnmatch_lines(
        [
            "*no KeyRegistered event for ${ROOT_KEY_ID} = * arrived on key-service-key-registered--* within 1s "
            "(arrived: nothing); it arrived on another queue, identity-service-entity-created--*"
        ]
    )


@pytest.mark.parametrize(
    "fault, named",
    [
        (
            {"event": "duplicate"},
            "*queue identity-service-entity-created--*: a duplicate EntityCreated event of case "
            "UC1.create_root_entity: its payload arrived once more than the scenario's answers declare*",
        ),
        (
            {"event_queue": "key-service-key-registered"},
            "*queue key-service-key-registered--*: EntityCreated event of case UC1.create_root_entity on another "
            "queue: its channel's queue is identity-service-entity-created--*",
        ),
        (
            {"event_from": "UC5.create_grandchild_entity"},
            "*queue identity-service-entity-created--*: EntityCreated event with the payload of dataset case "
            "UC5.create_grandchild_entity, which no action of this scenario was answered with*",
        ),
        (
            {"event": "drop"},
            "*queue identity-service-entity-created--*: the EntityCreated event of case UC1.create_root_entity "
            "never arrived",
        ),
    ],
    ids=["duplicate", "other-queue", "other-case", "missing"],
)
def test_a_planted_event_fault_no_step_names_is_red_after_the_scenario(project, fault, named):
    """The scenario's event step for the root entity is gone: only the run's queues tell."""
    replace_in(project.path / UC1, ROOT_STEP, "")
    result = _red(project, [{"operation": "identity-service.createEntity", **fault}], *SMOKE)
    result.stdout.fnmatch_lines(
        [
            "*the events on this scenario run's queues are not exactly those of its answered cases "
            "(UC1.login, UC1.register_root_key, UC1.create_root_entity):*",
            named,
        ]
    )


def test_an_event_of_an_action_without_events_is_red_on_the_gui_layer_too(project):
    """refreshSession declares no event; planted, it publishes the root entity's."""
    fault = {"operation": "identity-service.refreshSession", "event_from": "UC1.create_root_entity"}
    for layer in ("api", "gui"):
        result = _red(project, [fault], "-k", "refreshes_the_session", layer=layer)
        result.stdout.fnmatch_lines(
            [
                "*queue identity-service-entity-created--*: EntityCreated event with the payload of dataset case "
                "UC1.create_root_entity, which no action of this scenario was answered with*"
            ]
        )


def test_an_unknown_case_in_event_from_is_refused(project):
    result = project.runpytest_subprocess(
        UC1, "--layer", "api", "--odmd-faults", _plan(project, [{"operation": "createEntity", "event_from": "UC9.x"}])
    )
    assert "event_from: no dataset case UC9.x" in result.stdout.str() + result.stderr.str()
