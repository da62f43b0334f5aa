"""AsyncAPI 2.x contracts: messages, the channel (and SQS queue) each travels on, payload validators
(the checks: checks.events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from odmd_bdd.contracts.artifacts import Artifact
from odmd_bdd.contracts.validation import pointer
from odmd_bdd.errors import ContractError
from odmd_bdd.names import QUEUE_BASE_MAX, RUN_QUEUE_SUFFIX, SQS_NAME_MAX

_FORMATS = Draft202012Validator.FORMAT_CHECKER


@dataclass
class Message:
    service: str
    name: str
    channel: str
    queue: str  # the SQS queue of the channel (bindings.sqs.queue.name, else the channel name)
    validator: Draft202012Validator

    def payload_errors(self, payload: Any) -> list[ValidationError]:
        """Every way `payload` breaks the message's payload schema, by JSON path."""
        return sorted(self.validator.iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))


class AsyncApiContract:
    """A service's AsyncAPI artifact, every payload schema compiled once."""

    def __init__(self, service: str, artifact: Artifact):
        if artifact.kind != "asyncapi":
            raise ContractError(f"{artifact.address}: {service} needs an asyncapi artifact, found {artifact.kind}")
        doc = artifact.document
        if not str(doc.get("asyncapi", "")).startswith("2."):
            raise ContractError(
                f"{artifact.address}: odmdKind asyncapi needs an AsyncAPI 2.x document, "
                f"found asyncapi={doc.get('asyncapi')!r}"
            )
        self.service = service
        self.artifact = artifact
        uri = f"urn:odmd:{service}:events"
        registry = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        components = (doc.get("components") or {}).get("messages") or {}
        self.messages: dict[str, Message] = {}
        for channel, item in (doc.get("channels") or {}).items():
            queue = ((((item or {}).get("bindings") or {}).get("sqs") or {}).get("queue") or {}).get("name", channel)
            if len(str(queue)) > QUEUE_BASE_MAX:
                where = pointer(
                    ("channels", channel, *(("bindings", "sqs", "queue", "name") if queue != channel else ()))
                )
                raise ContractError(
                    f"{artifact.address}: {where}: queue name {queue!r} is "
                    f"{len(str(queue))} characters; at most {QUEUE_BASE_MAX}, so that a run's queue "
                    f"`<queue>{RUN_QUEUE_SUFFIX}<run id>` fits SQS's {SQS_NAME_MAX}"
                )
            for direction in ("subscribe", "publish"):
                ref = (((item or {}).get(direction) or {}).get("message") or {}).get("$ref", "")
                if not ref:
                    continue
                key = ref.rsplit("/", 1)[-1]
                if key not in components or "payload" not in components[key]:
                    raise ContractError(f"{artifact.address}: channel {channel} refers to {ref}, which has no payload")
                name = components[key].get("name", key)
                validator = Draft202012Validator(
                    {"$ref": f"{uri}#/components/messages/{key}/payload"}, registry=registry, format_checker=_FORMATS
                )
                try:
                    validator.is_valid(None)
                except Exception as exc:  # an unresolvable $ref inside the payload
                    raise ContractError(
                        f"{artifact.address}: message {name}: unresolvable schema reference: {exc}"
                    ) from None
                self.messages[name] = Message(service, name, channel, queue, validator)

    def message(self, name: str) -> Message:
        try:
            return self.messages[name]
        except KeyError:
            raise ContractError(
                f"{self.artifact.address}: {self.service} publishes no message {name!r} "
                f"(messages: {', '.join(self.messages) or 'none'})"
            ) from None
