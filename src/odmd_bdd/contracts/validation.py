"""Every schema artifact validated in full when it is loaded, before any scenario runs.

- Every `$ref` must resolve inside the document (resolved with `referencing`, the library
  jsonschema itself resolves with); one that points nowhere is named by the JSON pointer of
  the `$ref` and its target.
- Every JSON Schema in the document must be a valid schema of its dialect (jsonschema's
  `check_schema`): JSON Schema 2020-12 in OpenAPI 3.1, draft-07 for AsyncAPI 2.6 payloads.
- The document itself: OpenAPI 3.1 by openapi-spec-validator; AsyncAPI 2.6 by the AsyncAPI
  Initiative's own JSON Schema (schemas/asyncapi-2.6.0.json, from npm `@asyncapi/specs`).

The platform's discriminator `odmdKind` is not an OpenAPI/AsyncAPI field (extensions start
with `x-`); it is set aside before validating. A problem is one `ContractError`:
`<address>: <JSON pointer>: <what is wrong>`. Results are remembered per content digest, so
an artifact read back from S3 with the bytes of a file already checked is not checked again;
a document found valid is also remembered on disk (`$XDG_CACHE_HOME/odmd-bdd/valid-artifacts/`,
else ~/.cache/…), keyed by its bytes and the validators' versions and code, so the next run's
start-up skips it. A problem is never remembered: it is found, and said, every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from odmd_bdd.errors import ContractError

PLATFORM_KEYS = ("odmdKind",)
_BASE = "urn:odmd:artifact"


def pointer(parts: Any) -> str:
    """RFC 6901 JSON pointer of a path (keys and indexes)."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts) if parts else "/"


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _refs_problem(doc: dict[str, Any]) -> str | None:
    resolver = referencing.Registry().with_resource(_BASE, DRAFT202012.create_resource(doc)).resolver(_BASE)
    for path, node in _walk(doc):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            continue
        where = pointer((*path, "$ref"))
        if not ref.startswith("#"):
            return f"{where}: $ref {ref!r} points outside this document; bundle it into one file"
        try:
            resolver.lookup(ref)
        except referencing.exceptions.Unresolvable:
            return f"{where}: $ref {ref!r} points nowhere (no {ref[1:] or '/'} in this document)"
    return None


def _schema_locations(kind: str, doc: dict[str, Any]) -> Iterator[tuple[tuple, Any]]:
    """(path, schema) of every JSON Schema the document holds."""
    if kind == "openapi":
        for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
            yield ("components", "schemas", name), schema
        for path, node in _walk(doc):
            if isinstance(node, dict) and isinstance(node.get("schema"), dict) and "schemas" not in path:
                yield (*path, "schema"), node["schema"]
    else:
        for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
            yield ("components", "schemas", name), schema
        for path, node in _walk(doc):
            if isinstance(node, dict) and isinstance(node.get("payload"), dict):
                yield (*path, "payload"), node["payload"]


def _unique_enums(node: Any) -> Any:
    """`node` with each `enum` list's repeated values dropped (the first kept)."""
    if isinstance(node, list):
        return [_unique_enums(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _unique_enums(v) for k, v in node.items()}
    if isinstance(node.get("enum"), list):
        kept: list[Any] = []
        for value in node["enum"]:
            if not any(value == k and type(value) is type(k) for k in kept):
                kept.append(value)
        out["enum"] = kept
    return out


def _schemas_problem(kind: str, doc: dict[str, Any]) -> str | None:
    dialect: Any = jsonschema.Draft7Validator
    oas30 = kind == "openapi" and _oas30(doc)
    if kind == "openapi":
        from odmd_bdd.contracts.oas_validators import OAS30Validator

        dialect = OAS30Validator if oas30 else jsonschema.Draft202012Validator
    for path, schema in _schema_locations(kind, doc):
        # OpenAPI 3.0's Schema Object follows JSON Schema Wright draft 00, whose `enum` elements
        # SHOULD be unique (5.20), not MUST as in draft 4's meta-schema the OAS 3.0 validator
        # checks against: a repeated value is harmless to an instance check, so it is not refused.
        try:
            dialect.check_schema(_unique_enums(schema) if oas30 else schema)
        except jsonschema.SchemaError as exc:
            return f"{pointer((*path, *exc.path))}: not a valid JSON Schema: {exc.message}"
    return None


def _oas30(doc: dict[str, Any]) -> bool:
    return str(doc.get("openapi", "")).startswith("3.0")


def _openapi_problem(doc: dict[str, Any]) -> str | None:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    validator = OpenAPIV30SpecValidator if _oas30(doc) else OpenAPIV31SpecValidator
    error = next(iter(validator(doc).iter_errors()), None)
    if error is None:
        return None
    version = "3.0" if _oas30(doc) else "3.1"
    return f"{pointer(error.absolute_path)}: not a valid OpenAPI {version} document: {error.message.splitlines()[0]}"


@cache
def _asyncapi_validator() -> jsonschema.Draft7Validator:
    text = resources.files("odmd_bdd.contracts").joinpath("schemas", "asyncapi-2.6.0.json").read_text("utf-8")
    return jsonschema.Draft7Validator(json.loads(text))


def _asyncapi_problem(doc: dict[str, Any]) -> str | None:
    if not str(doc.get("asyncapi", "")).startswith("2."):
        return f"/asyncapi: odmd-bdd reads AsyncAPI 2.x documents, found asyncapi={doc.get('asyncapi')!r}"
    error = jsonschema.exceptions.best_match(_asyncapi_validator().iter_errors(doc))
    if error is None:
        return None
    return f"{pointer(error.absolute_path)}: not a valid AsyncAPI 2.6 document: {error.message}"


@cache
def _problem(kind: str, text: str) -> str | None:
    doc = {k: v for k, v in json.loads(text).items() if k not in PLATFORM_KEYS}
    if kind == "bundle":
        return None
    return (
        _refs_problem(doc)
        or _schemas_problem(kind, doc)
        or (_openapi_problem(doc) if kind == "openapi" else _asyncapi_problem(doc))
    )


def validate_document(kind: str, text: str, address: str) -> None:
    """Raise one ContractError naming `address` and the JSON pointer of the first problem."""
    marker = _marker(kind, text)
    if marker is not None and marker.exists():
        return  # found valid by a run before, with these validators
    problem = _problem(kind, text)
    if problem is not None:
        raise ContractError(f"{address}: {problem}")
    if marker is not None:
        _remember_valid(marker)


@cache
def _validators_key() -> bytes:
    """What a validation result depends on besides the document: the validators' versions and this code."""
    sha = hashlib.sha256(Path(__file__).read_bytes())
    sha.update(resources.files("odmd_bdd.contracts").joinpath("schemas", "asyncapi-2.6.0.json").read_bytes())
    for package in ("odmd-bdd", "jsonschema", "referencing", "openapi-spec-validator", "jsonschema-path"):
        try:
            sha.update(f"{package}={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            sha.update(f"{package}=none;".encode())
    return sha.digest()


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "odmd-bdd" / "valid-artifacts"


def _marker(kind: str, text: str) -> Path | None:
    """The file that says this document was found valid (None: bundles, which are not validated; no cache)."""
    if kind == "bundle":
        return None
    try:
        return _cache_dir() / hashlib.sha256(_validators_key() + kind.encode() + b"\0" + text.encode()).hexdigest()
    except (OSError, RuntimeError):  # no home directory, unreadable package files: validate
        return None


def _remember_valid(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        part = marker.with_name(f".{marker.name}.{os.getpid()}")
        part.write_bytes(b"")
        os.replace(part, marker)
    except OSError:
        pass  # a read-only cache only costs the next run a validation
