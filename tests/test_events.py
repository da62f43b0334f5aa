"""Events through a real SQS API (the embedded AWS) from the embedded enver to per-run inboxes."""

import json

import httpx
import pytest

from odmd_bdd.data.placeholders import Expected
from odmd_bdd.errors import ContractError, ContractViolation
from odmd_bdd.events.published import event_published
from odmd_bdd.events.sqs import EventInbox, MessageIndex, queue_name
from tests.aws_support import record_aws_calls


@pytest.fixture(scope="module")
def messages(reference_constellation):
    return MessageIndex(reference_constellation.event_contracts)


def create_root_entity(enver, constellation, run):
    ds = constellation.dataset
    r = httpx.post(
        f"{enver.service('identity-service').base_url}/entity/create",
        json=ds.case("UC1.create_root_entity").request["body"],
        trust_env=False,
        headers={"Authorization": f"Bearer {ds.constants['AUTH_JWT_TOKEN']}", "X-Odmd-Run": run},
    )
    assert r.status_code == 201


def test_each_run_reads_only_its_own_events(enver, reference_constellation, messages):
    root = reference_constellation.dataset.constants["ROOT_ENTITY_ID"]
    create_root_entity(enver, reference_constellation, "run-a")
    a = EventInbox(enver.sqs(), messages, "run-a")
    b = EventInbox(enver.sqs(), messages, "run-b")
    try:
        found, _ = a.wait_for("EntityCreated", lambda p: p["entity_id"] == root, timeout=60)
        assert found is not None and found.queue == "identity-service-entity-created--run-a"
        missed, seen = b.wait_for("EntityCreated", lambda p: True, timeout=1)
        assert missed is None and seen == []
    finally:
        a.close()
        b.close()


def test_closing_one_runs_inbox_leaves_the_queues_and_events_of_every_other_run(
    enver, reference_constellation, messages
):
    """Runs sharing an enver end at different times; one whose id begins with the other's is the
    hardest neighbour for a clean-up by name prefix."""
    root = reference_constellation.dataset.constants["ROOT_ENTITY_ID"]
    first, second = EventInbox(enver.sqs(), messages, "run-close"), EventInbox(enver.sqs(), messages, "run-close2")
    try:
        create_root_entity(enver, reference_constellation, "run-close")
        create_root_entity(enver, reference_constellation, "run-close2")
        assert first.wait_for("EntityCreated", lambda p: p["entity_id"] == root, timeout=60)[0] is not None
        first.close()
        found, _seen = second.wait_for("EntityCreated", lambda p: p["entity_id"] == root, timeout=60)
        assert found is not None and found.queue == "identity-service-entity-created--run-close2"
    finally:
        first.close()
        second.close()


def test_event_check_passes_on_the_dataset_payload_and_names_a_missing_one(enver, reference_constellation, messages):
    ds = reference_constellation.dataset
    create_root_entity(enver, reference_constellation, "run-c")
    inbox = EventInbox(enver.sqs(), messages, "run-c")
    try:
        event_published(inbox, ds, "EntityCreated", Expected(ds.constants["ROOT_ENTITY_ID"], "ROOT_ENTITY_ID"), 5)
        with pytest.raises(AssertionError) as err:
            event_published(inbox, ds, "LinkCreated", Expected("lnk_x", None), 1)
        assert "no LinkCreated event for 'lnk_x' arrived on chain-service-link-created--run-c within 1s" in str(
            err.value
        )
    finally:
        inbox.close()


def test_an_event_on_the_runs_own_queue_is_taken_once_without_a_delete_call(
    enver, reference_constellation, messages, monkeypatch
):
    """The run's own queue goes, messages and all, when the inbox closes: what is received from it
    is not deleted one by one. SQS hands a message out again after its visibility timeout (here
    0 s, so at every receive) and delivers at least once: each message is still taken once."""
    inbox = EventInbox(enver.sqs(), messages, "run-once")
    try:
        url = inbox.queues.url(queue_name("identity-service-entity-created", "run-once"))
        inbox.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
        create_root_entity(enver, reference_constellation, "run-once")
        calls = record_aws_calls(monkeypatch)
        for _ in range(3):
            inbox.poll({"EntityCreated"}, wait_s=1)
        inbox.sweep()
        assert [e.message for e in inbox.received] == ["EntityCreated"]
        assert calls.count("ReceiveMessage") >= 4 and "DeleteMessage" not in calls, calls
    finally:
        inbox.close()


@pytest.mark.parametrize("embedded", [True, False])
def test_a_found_event_and_its_duplicate_take_one_receive_on_the_embedded_bus(
    enver, reference_constellation, messages, monkeypatch, embedded
):
    """On the embedded bus a receive returns all that waits (up to 10): the receive that found the
    event also took a duplicate sent before it, and the queue is not asked again. A bus that may
    return fewer (AWS's short poll) is asked until a receive adds nothing."""
    run = f"run-embedded-{embedded}"
    inbox = EventInbox(enver.sqs(), messages, run, embedded=embedded)
    try:
        for _ in range(2):
            create_root_entity(enver, reference_constellation, run)
        calls = record_aws_calls(monkeypatch)
        found, _ = inbox.wait_for("EntityCreated", lambda p: True, timeout=10, then_sweep=True)
        assert found is not None
        assert [e.message for e in inbox.received] == ["EntityCreated", "EntityCreated"]
        assert calls.count("ReceiveMessage") == (1 if embedded else 2), calls
    finally:
        inbox.close()


def test_a_full_batch_does_not_count_as_emptying_the_queue(enver, messages):
    """Ten messages, the most one receive returns, may not be all: the queue is asked again."""
    inbox = EventInbox(enver.sqs(), messages, "run-full-batch", embedded=True)
    try:
        url = inbox.queues.url(queue_name("identity-service-entity-created", "run-full-batch"))
        for n in range(12):
            inbox.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
        found, _ = inbox.wait_for("EntityCreated", lambda p: True, timeout=10, then_sweep=True)
        assert found is not None
        assert sorted(e.payload["n"] for e in inbox.received) == list(range(12))
    finally:
        inbox.close()


def test_a_payload_breaking_its_asyncapi_message_is_a_contract_violation(enver, reference_constellation, messages):
    ds = reference_constellation.dataset
    inbox = EventInbox(enver.sqs(), messages, "run-d")
    try:
        url = inbox.queues.url(queue_name("key-service-key-registered", "run-d"))
        inbox.sqs.send_message(QueueUrl=url, MessageBody='{"event_type": "KeyRegistered", "key_id": "key_root_0001"}')
        with pytest.raises(ContractViolation) as err:
            event_published(inbox, ds, "KeyRegistered", Expected("key_root_0001", "ROOT_KEY_ID"), 5)
        assert "KeyRegistered event on key-service-key-registered--run-d" in str(err.value)
        assert "$: 'entity_id' is a required property" in str(err.value)
    finally:
        inbox.close()


def test_a_payload_differing_from_the_dataset_names_the_field(enver, reference_constellation, messages):
    ds = reference_constellation.dataset
    inbox = EventInbox(enver.sqs(), messages, "run-e")
    payload = dict(ds.case("UC1.register_root_key").events[0]["payload"], algorithm="ES256")
    try:
        url = inbox.queues.url(queue_name("key-service-key-registered", "run-e"))
        inbox.sqs.send_message(QueueUrl=url, MessageBody=__import__("json").dumps(payload))
        with pytest.raises(
            AssertionError, match=r"differs from the dataset:\n  \$\.algorithm: expected 'Ed25519', got 'ES256'"
        ):
            event_published(inbox, ds, "KeyRegistered", Expected("key_root_0001", "ROOT_KEY_ID"), 5)
    finally:
        inbox.close()


def test_unknown_message_name_is_one_clear_error(messages):
    with pytest.raises(ContractError, match="no service of the constellation publishes a 'KeyRegisterd' event"):
        messages.get("KeyRegisterd")


@pytest.mark.parametrize(
    "fault, outcome",
    [
        ({"event": "drop"}, "no EntityCreated event for ${ROOT_ENTITY_ID}"),
        ({"event": "malform"}, "$: 'entity_id' is a required property"),
        (
            {"event_set": {"owner_user_id": "user_other"}},
            "$.owner_user_id: expected 'user_12345_system', got 'user_other'",
        ),
    ],
)
def test_event_faults_are_caught(enver, reference_constellation, messages, fault, outcome):
    from odmd_bdd.localenv import Fault

    ds = reference_constellation.dataset
    enver.local.faults.replace([Fault.from_dict({"operation": "identity-service.createEntity", **fault})])
    run = f"run-fault-{abs(hash(outcome)) % 10**8}"
    try:
        create_root_entity(enver, reference_constellation, run)
    finally:
        enver.local.faults.clear()
    inbox = EventInbox(enver.sqs(), messages, run)
    try:
        with pytest.raises(AssertionError) as err:
            event_published(inbox, ds, "EntityCreated", Expected(ds.constants["ROOT_ENTITY_ID"], "ROOT_ENTITY_ID"), 1)
        assert outcome in str(err.value)
    finally:
        inbox.close()
