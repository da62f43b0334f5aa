"""OpenAPI 3.1 contracts: operations and their compiled validators (the checks: checks.contract).

Every schema is compiled once (Draft 2020-12, the dialect of OAS 3.1) when the contract
is built; checking an exchange is then a dictionary look-up and a validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from odmd_bdd.contracts.artifacts import Artifact
from odmd_bdd.errors import ContractError

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_FORMATS = Draft202012Validator.FORMAT_CHECKER


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class Operation:
    service: str
    operation_id: str
    method: str  # upper case
    path: str  # template, e.g. /chain/{entity_id}
    secured: bool
    request_validator: Draft202012Validator | None
    responses: dict[str, Draft202012Validator | None] = field(default_factory=dict)
    _regex: re.Pattern[str] | None = None

    @property
    def label(self) -> str:
        return f"{self.service} {self.operation_id}"

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if `method path` is this operation, else None."""
        if method.upper() != self.method:
            return None
        if self._regex is None:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
            self._regex = re.compile(f"^{pattern}/?$")
        m = self._regex.match(path)
        return m.groupdict() if m else None

    def request_errors(self, body: Any) -> list[ValidationError]:
        """Every way `body` breaks the request schema, by JSON path (none without a schema).
        The check reporting them is `checks.contract.request`; the embedded enver turns them
        into Zod issues."""
        if self.request_validator is None:
            return []
        return sorted(self.request_validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))

    def declared_statuses(self) -> list[str]:
        return list(self.responses)

    def response_key(self, status: int) -> str | None:
        """The declared response `status` answers to (`201`, `2XX`, `default`), or None."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return key
        return None

    def response_errors(self, key: str, body: Any) -> list[ValidationError]:
        """Every way `body` breaks the JSON schema of the declared response `key`, by JSON path."""
        validator = self.responses[key]
        if validator is None:
            return []
        return sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))


def short_message(err: ValidationError) -> str:
    """A validation error's message, clipped to 200 characters."""
    msg = err.message
    return msg if len(msg) <= 200 else msg[:197] + "..."


class OpenApiContract:
    """A service's OpenAPI 3.1 artifact, with every schema compiled once."""

    def __init__(self, service: str, artifact: Artifact):
        if artifact.kind != "openapi":
            raise ContractError(
                f"{artifact.address}: {service} needs an openapi artifact, found odmdKind {artifact.kind}"
            )
        self.service = service
        self.artifact = artifact
        doc = artifact.document
        uri = f"urn:odmd:{service}"
        registry = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT202012))

        def compile_at(*parts: str) -> Draft202012Validator:
            return Draft202012Validator(
                {"$ref": f"{uri}#/{_pointer(*parts)}"}, registry=registry, format_checker=_FORMATS
            )

        default_secured = bool(doc.get("security"))
        self.operations: dict[str, Operation] = {}
        for path, item in (doc.get("paths") or {}).items():
            for method in METHODS:
                spec = (item or {}).get(method)
                if spec is None:
                    continue
                op_id = spec.get("operationId")
                if not op_id:
                    raise ContractError(f"{artifact.address}: {method.upper()} {path} has no operationId")
                if op_id in self.operations:
                    raise ContractError(f"{artifact.address}: operationId {op_id} is used twice")
                security = spec.get("security")
                secured = default_secured if security is None else any(bool(req) for req in security)
                body_schema = ((spec.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
                request_validator = None
                if "schema" in body_schema:
                    request_validator = compile_at(
                        "paths", path, method, "requestBody", "content", "application/json", "schema"
                    )
                responses: dict[str, Draft202012Validator | None] = {}
                for status, resp in (spec.get("responses") or {}).items():
                    content = ((resp or {}).get("content") or {}).get("application/json") or {}
                    responses[str(status)] = (
                        compile_at(
                            "paths", path, method, "responses", str(status), "content", "application/json", "schema"
                        )
                        if "schema" in content
                        else None
                    )
                self.operations[op_id] = Operation(
                    service, op_id, method.upper(), path, secured, request_validator, responses
                )
        # Resolve every $ref now, so a broken artifact fails at load time, not mid-scenario.
        for op in self.operations.values():
            for v in [op.request_validator, *op.responses.values()]:
                if v is not None:
                    try:
                        v.is_valid(None)
                    except Exception as exc:  # referencing.exceptions.Unresolvable and friends
                        raise ContractError(
                            f"{artifact.address}: {op.label}: unresolvable schema reference: {exc}"
                        ) from None

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise ContractError(
                f"{self.artifact.address}: {self.service} has no operation {operation_id!r} "
                f"(operations: {', '.join(self.operations)})"
            ) from None

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation that `method path` (relative to the base URL) calls, with its path parameters."""
        for op in self.operations.values():
            params = op.matches(method, path)
            if params is not None:
                return op, params
        return None
