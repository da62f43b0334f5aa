"""Events over SQS: the embedded enver publishes them, scenarios receive and check them.

Isolation: a publisher that is told the run (X-Odmd-Run) sends to `<queue>--<run>`
instead of `<queue>`, and each scenario run reads only its own queues, so parallel runs
never take each other's messages. Receiving long-polls with a deadline; nothing sleeps.

Named queues: an explicit-address run's event bus may name the queue (name or URL) its
services publish a channel to (constellation `event_bus.queues`). The inbox reads that queue
as it is — the services are not told the run — and neither creates nor deletes it.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Protocol

from odmd_bdd.contracts import AsyncApiContract, Message
from odmd_bdd.errors import ContractError, EnverError
from odmd_bdd.names import QUEUE_BASE_MAX, RUN_QUEUE_SUFFIX, SQS_NAME_MAX

MAX_BATCH = 10  # ReceiveMessage's MaxNumberOfMessages: the most one receive returns
_QUEUE_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def queue_name(base: str, run: str | None) -> str:
    """The SQS queue of a channel for one run (SQS names: 80 chars of [A-Za-z0-9_-]). A name that
    does not fit is an error, never cut: a cut run id would put two runs on one queue."""
    name = base if not run else f"{base}{RUN_QUEUE_SUFFIX}{_QUEUE_CHARS.sub('_', run)}"
    if len(name) > SQS_NAME_MAX:
        raise ContractError(
            f"queue {name!r} is {len(name)} characters, more than SQS's {SQS_NAME_MAX}: a channel's queue "
            f"name may have at most {QUEUE_BASE_MAX}, to leave room for `{RUN_QUEUE_SUFFIX}<run id>`"
        )
    return name


class MessageIndex:
    """Message name → its AsyncAPI message, across every service of the constellation."""

    def __init__(self, event_contracts: dict[str, AsyncApiContract]):
        self.by_name: dict[str, Message] = {}
        for contract in event_contracts.values():
            for name, message in contract.messages.items():
                self.by_name.setdefault(name, message)

    def get(self, name: str) -> Message:
        try:
            return self.by_name[name]
        except KeyError:
            raise ContractError(
                f"no service of the constellation publishes a {name!r} event "
                f"(events: {', '.join(sorted(self.by_name)) or 'none'})"
            ) from None


class QueueUrls:
    """Queue name → URL, creating queues on first use (CreateQueue is idempotent)."""

    def __init__(self, sqs: Any):
        self.sqs = sqs
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def url(self, name: str) -> str:
        with self._lock:
            if name not in self._urls:
                self._urls[name] = self.sqs.create_queue(QueueName=name)["QueueUrl"]
            return self._urls[name]

    def existing(self, name: str) -> str | None:
        """The URL of queue `name` if it exists, without creating it (None: there is no such queue)."""
        with self._lock:
            if name in self._urls:
                return self._urls[name]
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception as exc:  # botocore's ClientError; only "no such queue" means absent
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
                return None
            raise
        with self._lock:
            self._urls[name] = url
        return url

    def remember(self, name: str, url: str) -> None:
        with self._lock:
            self._urls[name] = url

    def forget(self, name: str) -> None:
        with self._lock:
            self._urls.pop(name, None)


class QueueSender(Protocol):
    """How the enver's side puts a message on a queue (creating the queue on first use).
    `blocking`: a send waits on the network (the enver then sends from a worker thread)."""

    blocking: bool

    def send(self, queue: str, body: str, attributes: dict[str, Any]) -> None: ...


class ApiSender:
    """Sends through the SQS API with a boto3 client (any endpoint)."""

    blocking = True

    def __init__(self, sqs: Any):
        self.queues = QueueUrls(sqs)

    def send(self, queue: str, body: str, attributes: dict[str, Any]) -> None:
        self.queues.sqs.send_message(QueueUrl=self.queues.url(queue), MessageBody=body, MessageAttributes=attributes)


class EventPublisher:
    """The enver's side: sends the events of an answered dataset case to their queues. The
    embedded enver's sender writes into the in-process moto (odmd_bdd/aws/writers.py); the
    scenarios receive them through the SQS API either way."""

    def __init__(self, sender: QueueSender, messages: MessageIndex):
        self.sender = sender
        self.messages = messages

    def publish(self, events: list[dict[str, Any]], run: str | None) -> None:
        for event in events:
            message = self.messages.get(event["message"])
            # "queue": a planted fault sends the event to another channel's queue
            self.sender.send(
                queue_name(event.get("queue") or message.queue, run),
                json.dumps(event["payload"]),
                {"event_type": {"DataType": "String", "StringValue": message.name}},
            )


@dataclass(frozen=True)
class _Batch:
    added: int  # events new to this inbox
    emptied: bool  # nothing was left on the queue (the embedded bus, a batch that was not full)


@dataclass
class ReceivedEvent:
    message: str
    queue: str
    payload: Any  # parsed JSON, or the raw body when it is not JSON
    raw: str


@dataclass
@dataclass
class NoEventBus:
    """The inbox of a run whose enver has no event bus: event steps are reported not checked
    (a distinct outcome, never a pass) instead of failing each on its own."""

    reason: str
    received: list[ReceivedEvent] = field(default_factory=list)
    available: bool = False

    def close(self) -> None:
        pass


@dataclass
class EventInbox:
    """One scenario run's view of the events: what arrived on its queues, kept once read.

    `peek=True` looks without taking, for queues the reader does not own (the checkpoint on a
    deployed enver): messages stay visible (VisibilityTimeout 0) and are not deleted, a queue
    that does not exist is not created, and `since` leaves out messages sent before it
    (SentTimestamp, one second of slack). `shared=True` reads each channel's own queue too,
    for publishers that are not told the run."""

    sqs: Any
    messages: MessageIndex
    run: str | None
    received: list[ReceivedEvent] = field(default_factory=list)
    peek: bool = False
    since: float | None = None  # epoch seconds
    shared: bool = False
    available: bool = True  # a NoEventBus says False
    # The bus is the embedded AWS (moto), which AWS's SQS is not in two ways the inbox relies on:
    # - it lists a queue as soon as it exists (AWS's ListQueues may lag): the sweep finds the run's
    #   queues with one ListQueues instead of a lookup per queue;
    # - a receive returns every visible message up to MAX_BATCH (AWS's short poll samples some of
    #   its servers and may return fewer): a batch that is not full emptied its queue.
    embedded: bool = False
    named: dict[str, str] = field(default_factory=dict)  # channel or contract queue -> queue name or URL

    def __post_init__(self) -> None:
        self.queues = QueueUrls(self.sqs)
        self._touched: set[str] = set()
        self._seen_ids: set[str] = set()
        self._existing: dict[str, str | None] = {}  # peek: queue name -> URL, None when there is none
        # This run's own queues (deleted with their messages at close): what is received from them
        # is not deleted message by message; a message seen again is recognised by its MessageId.
        self._own: set[str] = set()
        if self.run is not None and not self.peek:
            not_own = {m.queue for m in self.messages.by_name.values()} | set(self.named.values())
            self._own = set(self.run_queues()) - not_own

    def _names(self, message: Message) -> list[str]:
        named = self.named.get(message.channel) or self.named.get(message.queue)
        if named:
            return [named]
        own = queue_name(message.queue, self.run)
        return [own, message.queue] if self.shared and own != message.queue else [own]

    def _url(self, name: str) -> str | None:
        if name in self.named.values():
            return self._named_url(name)
        if not self.peek:
            self._touched.add(name)
            return self.queues.url(name)
        if name not in self._existing:
            try:
                self._existing[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except Exception:  # that queue does not exist on this enver
                self._existing[name] = None
        return self._existing[name]

    def _named_url(self, name: str) -> str:
        """A named queue's URL: given, or looked up (never created: it is the services' queue)."""
        if name.startswith(("https://", "http://")):
            return name
        if self._existing.get(name) is None:
            try:
                self._existing[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except Exception as exc:
                endpoint = getattr(getattr(self.sqs, "meta", None), "endpoint_url", "?")
                raise EnverError(
                    f"event_bus queue {name!r} cannot be found at {endpoint}: {exc}; check event_bus.queues"
                ) from None
        return self._existing[name] or name

    def _drain(self, message: Message, wait_s: float) -> dict[str, _Batch | None]:
        """Receive once from each of the message's queues: queue -> what that added (None: no such queue)."""
        return {name: self._receive(name, message.name, wait_s) for name in self._names(message)}

    def _take_waiting(self, name: str, kind: str) -> None:
        """Receive from queue `name`, without waiting, until a receive adds nothing or empties it."""
        while (batch := self._receive(name, kind, 0)) and batch.added and not batch.emptied:
            pass

    def _receive(self, name: str, kind: str, wait_s: float) -> _Batch | None:
        """Receive once from queue `name` (long-polling up to `wait_s`, 0: not at all); what that
        added, None when the queue does not exist (peek)."""
        url = self._url(name)
        if url is None:
            return None
        answer = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=MAX_BATCH,
            WaitTimeSeconds=0 if wait_s <= 0 else max(1, min(20, math.ceil(wait_s))),
            MessageAttributeNames=["All"],
            **({"VisibilityTimeout": 0, "AttributeNames": ["SentTimestamp"]} if self.peek else {}),
        )
        added = 0
        items = answer.get("Messages", [])
        for item in items:
            # SQS delivers at least once, and a message of an own queue is not deleted: it comes back
            # after its visibility timeout. Each is taken once.
            if item.get("MessageId") in self._seen_ids:
                continue
            self._seen_ids.add(item.get("MessageId", ""))
            if self.peek:
                sent = int((item.get("Attributes") or {}).get("SentTimestamp", "0")) / 1000
                if self.since is not None and sent < self.since - 1:
                    continue
            body = item.get("Body", "")
            try:
                payload: Any = json.loads(body)
            except ValueError:
                payload = body
            attrs = item.get("MessageAttributes") or {}
            event_kind = (attrs.get("event_type") or {}).get("StringValue") or kind
            self.received.append(ReceivedEvent(event_kind, name, payload, body))
            added += 1
            if not self.peek and name not in self._own:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=item["ReceiptHandle"])
        return _Batch(added=added, emptied=self.embedded and len(items) < MAX_BATCH)

    def run_queues(self) -> dict[str, str]:
        """Every queue of this run: queue name -> the message named for it (the first, if several share it)."""
        queues: dict[str, str] = {}
        for message in self.messages.by_name.values():
            for name in self._names(message):
                queues.setdefault(name, message.name)
        return queues

    def sweep(self) -> None:
        """Take everything already waiting on every queue of this run, without waiting for more.
        A run's queue nobody has created holds nothing (a publisher creates the queue it sends
        to): it is looked up, not created, so there is nothing to delete either."""
        queues = self.run_queues()
        listed = self._listed(set(queues)) if self.embedded and not self.peek else None
        for name, kind in queues.items():
            if self._may_hold_events(name, listed):
                self._take_waiting(name, kind)

    def _may_hold_events(self, name: str, listed: dict[str, str] | None) -> bool:
        if self.peek or name in self._touched or name in self.named.values():
            return True  # _receive looks these up as before
        url = self.queues.existing(name) if listed is None else listed.get(name)
        if url is None:
            return False
        self.queues.remember(name, url)
        self._touched.add(name)  # it exists: this run's, deleted at close
        return True

    def _listed(self, wanted: set[str]) -> dict[str, str]:
        """Name -> URL of the queues among `wanted` that exist, from ListQueues (every page)."""
        found: dict[str, str] = {}
        token: dict[str, str] = {}
        while True:
            page = self.sqs.list_queues(MaxResults=1000, **token)
            for url in page.get("QueueUrls", []):
                name = url.rstrip("/").rsplit("/", 1)[-1]
                if name in wanted:
                    found[name] = url
            if not page.get("NextToken"):
                return found
            token = {"NextToken": page["NextToken"]}

    def poll(self, names: set[str], wait_s: float) -> None:
        """Long-poll the queues of the messages `names` once each (up to `wait_s`)."""
        for name in sorted(names):
            self._drain(self.messages.get(name), wait_s)

    def sweep_message(self, name: str, *, emptied: AbstractSet[str] = frozenset()) -> None:
        """Take everything already waiting on the queues of message `name`, without waiting, but
        on those in `emptied` (a receive just took all they held)."""
        message = self.messages.get(name)
        for queue in self._names(message):
            if queue not in emptied:
                self._take_waiting(queue, message.name)

    def wait_for(
        self, name: str, matches, timeout: float, *, then_sweep: bool = False
    ) -> tuple[ReceivedEvent | None, list[ReceivedEvent]]:
        """The first `name` event for which `matches(payload)` holds, waiting up to `timeout`.
        Returns (event or None, every `name` event seen) so a miss can say what did arrive.
        `then_sweep`: once it is found, take what else already waits on its queues too (a
        duplicate is seen now), but from a queue the finding receive emptied."""
        message = self.messages.get(name)
        deadline = time.monotonic() + timeout
        emptied: set[str] = set()
        while True:
            seen = [e for e in self.received if e.message == name]
            for event in seen:
                if matches(event.payload):
                    if then_sweep:
                        self.sweep_message(name, emptied=emptied)
                    return event, seen
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, seen
            # Long polling waits on the server side; it returns as soon as a message is there.
            batches = self._drain(message, wait_s=min(remaining, 1.0))
            if all(batch is None for batch in batches.values()):
                return None, seen  # peek: none of its queues exists, nothing can arrive
            emptied = {queue for queue, batch in batches.items() if batch and batch.emptied}

    def close(self) -> None:
        """Delete this run's queues (isolated runs leave nothing behind)."""
        if self.run is None:
            return
        for name in self._touched:
            try:
                self.sqs.delete_queue(QueueUrl=self.queues.url(name))
            except Exception:  # a queue already gone is fine at teardown
                pass
            self.queues.forget(name)
