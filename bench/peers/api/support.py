"""The plain pytest-bdd peer's helpers: the dataset with ${NAME} resolved, the contracts'
validators compiled once, a scenario's state."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[3]
DATASET = ROOT / "fixtures" / "dataset" / "master-mock-dataset.yaml"
CONTRACTS = ROOT / "fixtures" / "contracts"
SERVICES = ("identity-service", "key-service")
RUN_HEADER = "X-Odmd-Run"  # the enver keeps each run's state and events apart by it
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass
class Answer:
    operation: str
    status: int
    body: Any


@dataclass
class Scenario:
    run: str = field(default_factory=lambda: uuid.uuid4().hex)
    session_token: str | None = None
    last: Answer | None = None


class Dataset:
    """The master mock dataset with every ${NAME} resolved."""

    def __init__(self, path: Path):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.constants: dict[str, Any] = {}
        for name, value in raw["constants"].items():
            self.constants[name] = self.resolve(value)
        self.use_cases = raw["use_cases"]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = PLACEHOLDER.fullmatch(value)
            if whole:
                return self.constants[whole.group(1)]
            return PLACEHOLDER.sub(lambda m: str(self.constants[m.group(1)]), value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def case(self, ref: str) -> dict[str, Any]:
        use_case, name = ref.split(".")
        cases = self.use_cases[use_case]
        return self.resolve({**cases.get("steps", {}), **cases.get("errors", {})}[name])


class Contracts:
    """Per operation: its method, path and one compiled validator per documented status."""

    def __init__(self, services: tuple[str, ...]):
        self.operations: dict[str, tuple[str, str, dict[str, Draft202012Validator]]] = {}
        self.events: dict[str, tuple[str, Draft202012Validator]] = {}  # message -> (queue, payload validator)
        for service in services:
            doc = json.loads((CONTRACTS / f"{service}.openapi.json").read_text(encoding="utf-8"))
            uri = f"urn:{service}"
            registry = Registry().with_resource(uri, DRAFT202012.create_resource(doc))
            for path, item in doc["paths"].items():
                for method, op in item.items():
                    if not isinstance(op, dict) or "operationId" not in op:
                        continue
                    pointer = f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}/responses"
                    validators = {
                        status: self._validator(f"{uri}#{pointer}/{status}/content/application~1json/schema", registry)
                        for status, response in op["responses"].items()
                        if "application/json" in (response.get("content") or {})
                    }
                    self.operations[op["operationId"]] = (method.upper(), path, validators)
            events = CONTRACTS / f"{service}.asyncapi.json"
            if events.exists():
                spec = json.loads(events.read_text(encoding="utf-8"))
                messages = spec["components"]["messages"]
                for channel in spec["channels"].values():
                    name = channel["subscribe"]["message"]["$ref"].rsplit("/", 1)[-1]
                    queue = channel["bindings"]["sqs"]["queue"]["name"]
                    self.events[name] = (queue, self._validator_of(messages[name]["payload"]))

    @staticmethod
    def _validator(ref: str, registry: Registry) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    @staticmethod
    def _validator_of(schema: dict) -> Draft202012Validator:
        return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
