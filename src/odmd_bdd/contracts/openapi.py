"""OpenAPI 3.1 (and 3.0) contracts: operations and their compiled validators (the checks: checks.contract).

Every `$ref` is followed with `referencing` (the resolver jsonschema itself uses) wherever the
specification lets one stand: path items, parameters, request bodies, responses, headers,
examples, security schemes; a Reference Object's `summary`/`description` siblings override the
target's, as 3.1 allows. Schemas keep their `$ref`s: each is compiled once against the whole
document (recursive schemas included) as an OpenAPI schema (openapi-schema-validator: the OAS 3.1
dialect, or 3.0 with `nullable`), in its request flavour (readOnly properties refused, not
required) or its response flavour (writeOnly ones). Checking an exchange is then a look-up and
a validation.

Bodies: application/json and every `+json` media type are JSON; `text/plain` is a string; any
other media type is carried but not read. A response without content (204) has no body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from odmd_bdd.contracts.artifacts import Artifact
from odmd_bdd.contracts.oas_validators import OAS30ReadValidator, OAS30WriteValidator, OAS31Validator
from odmd_bdd.contracts.parameters import ABSENT, DEFAULT_STYLE, Parameter, read_parameters
from odmd_bdd.contracts.security import Requirement, SecurityScheme, scheme_from
from odmd_bdd.errors import ContractError, InvalidDocument

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
JSON = "application/json"
TEXT = "text/plain"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def is_json(media: str | None) -> bool:
    base = (media or "").split(";")[0].strip().lower()
    return base == JSON or base.endswith("+json")


def is_text(media: str | None) -> bool:
    return (media or "").split(";")[0].strip().lower() == TEXT


def _required(skipped: str) -> Callable[..., Iterator[ValidationError]]:
    """`required` that does not ask for the properties marked `skipped` (readOnly in a request,
    writeOnly in a response)."""

    def required(validator: Any, names: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "object"):
            return
        props = schema.get("properties") or {}
        for name in names:
            sub = props.get(name)
            if isinstance(sub, dict) and sub.get(skipped) is True:
                continue
            if name not in instance:
                yield ValidationError(f"{name!r} is a required property")

    return required


def _refused(word: str, side: str) -> Callable[..., Iterator[ValidationError]]:
    def refuse(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if value is True:
            yield ValidationError(f"a {word} property must not be in a {side}")

    return refuse


def _string_discriminator(
    keyword: Callable[..., Iterator[ValidationError]],
) -> Callable[..., Iterator[ValidationError]]:
    """openapi-schema-validator looks a discriminator value up in the mapping unchecked: a list or
    an object there raised TypeError (a 500 from the enver). Such a value names no schema."""

    def check(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        disc = schema.get("discriminator") if isinstance(schema, dict) else None
        prop = disc.get("propertyName") if isinstance(disc, dict) else None
        if isinstance(instance, dict) and prop in instance and not isinstance(instance[prop], str):
            yield ValidationError(f"{instance[prop]!r} is not a discriminator value: {prop} names a schema")
            return
        mapping = disc.get("mapping") if isinstance(disc, dict) else None
        if isinstance(mapping, dict) and any(_schema_name(v) for v in mapping.values()):
            # A mapping value is a schema name or a reference (OAS 3.0.3, Discriminator Object): the
            # library looks every value up as a reference, so a name is given as the reference it means.
            named = {k: f"#/components/schemas/{v}" if _schema_name(v) else v for k, v in mapping.items()}
            schema = {**schema, "discriminator": {**(disc or {}), "mapping": named}}
        yield from keyword(validator, branches, instance, schema)

    return check


def _schema_name(value: Any) -> bool:
    """A discriminator mapping value that names a schema (`Dog`) rather than referring to one."""
    return isinstance(value, str) and value != "" and not set(value) & {"/", "#"}


def _oas30(base: Any) -> Any:
    return extend(base, {k: _string_discriminator(base.VALIDATORS[k]) for k in ("oneOf", "anyOf")})


_OAS30_REQUEST, _OAS30_RESPONSE = _oas30(OAS30WriteValidator), _oas30(OAS30ReadValidator)
_OAS31_REQUEST = extend(
    OAS31Validator, {"required": _required("readOnly"), "readOnly": _refused("read-only", "request")}
)
_OAS31_RESPONSE = extend(
    OAS31Validator, {"required": _required("writeOnly"), "writeOnly": _refused("write-only", "response")}
)


@dataclass
class Operation:
    service: str
    operation_id: str
    method: str  # upper case
    path: str  # template, e.g. /chain/{entity_id}
    security: tuple[Requirement, ...] = ()  # alternatives; () or one empty requirement: open
    request_validator: Validator | None = None
    responses: dict[str, Validator | None] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)
    request_media: str | None = None  # the media type the body is sent as (None: no body)
    request_required: bool = False
    response_media: dict[str, str | None] = field(default_factory=dict)  # status key -> media type
    _regex: re.Pattern[str] | None = None

    @property
    def label(self) -> str:
        return f"{self.service} {self.operation_id}"

    @property
    def secured(self) -> bool:
        """Does every request need a credential (no empty requirement among the alternatives)?"""
        return bool(self.security) and all(len(req) > 0 for req in self.security)

    @property
    def schemes(self) -> list[SecurityScheme]:
        out: list[SecurityScheme] = []
        for req in self.security:
            out += [s for s in req if s not in out]
        return out

    @property
    def has_body(self) -> bool:
        return self.request_media is not None

    @property
    def json_body(self) -> bool:
        return is_json(self.request_media)

    def parameter(self, location: str, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.location == location and p.name == name), None)

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters (as sent, unescaped) if `method path` is this operation, else None."""
        if method.upper() != self.method:
            return None
        if self._regex is None:
            seen: set[str] = set()

            def group(m: re.Match[str]) -> str:  # a name used twice (/a/{id}/b/{id}) takes the same value
                name = _group(m.group(1))
                first = name not in seen
                seen.add(name)
                return f"(?P<{name}>[^/]+)" if first else f"(?P={name})"

            pattern = re.sub(r"\\\{([^}/]+?)\\\}", group, re.escape(self.path))
            self._regex = re.compile(f"^{pattern}/?$")
        m = self._regex.match(path)
        if not m:
            return None
        names = re.findall(r"\{([^}/]+)\}", self.path)
        return {name: unquote(m.group(_group(name))) for name in names}

    def request_errors(self, body: Any) -> list[ValidationError]:
        """Every way `body` breaks the request schema, by JSON path (none without a schema).
        The check reporting them is `checks.contract.request`; the embedded enver turns them
        into Zod issues."""
        if self.request_validator is None:
            return []
        return sorted(self.request_validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))

    def read_parameters(
        self,
        path: Mapping[str, str],
        query: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, dict[str, Any]], list[tuple[Parameter, ValidationError | None]]]:
        """The request's parameters typed by their schemas (by location), and every problem:
        (parameter, its validation error; None for a required parameter that is missing)."""
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
        values, checked = read_parameters(self.parameters, path, pairs, headers or {}, cookies or {})
        problems: list[tuple[Parameter, ValidationError | None]] = []
        for p, value in checked:
            if value is ABSENT:
                if p.required:
                    problems.append((p, None))
                continue
            if p.validator is not None:
                problems += [(p, e) for e in p.validator.iter_errors(value)]
        return values, problems

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


def _group(name: str) -> str:
    return "p_" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in name)


def short_message(err: ValidationError) -> str:
    """A validation error's message, clipped to 200 characters."""
    msg = err.message
    return msg if len(msg) <= 200 else msg[:197] + "..."


def _choose_media(content: Any) -> str | None:
    """The media type a client sends (or a service answers) of `content`: JSON first, then text."""
    if not isinstance(content, dict) or not content:
        return None
    for media in content:
        if is_json(media):
            return str(media)
    for media in content:
        if is_text(media):
            return str(media)
    return str(next(iter(content)))


class _Document:
    """The document in a `referencing` registry: Reference Objects followed, schemas compiled."""

    def __init__(self, service: str, doc: dict[str, Any], address: str):
        self.address = address
        self.uri = f"urn:odmd:{service}"
        self.oas30 = str(doc.get("openapi", "")).startswith("3.0")
        self.registry: Registry[Any] = Registry().with_resource(
            self.uri, Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        self.resolver = self.registry.resolver(self.uri)
        self._compiled: dict[tuple[str, str], Validator] = {}

    def follow(self, node: Any, where: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """`node` with every Reference Object followed (its siblings kept over the target's), and
        the JSON pointer parts of where the content stands."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise ContractError(f"{self.address}: /{_pointer(*where)}: $ref {ref!r} refers to itself")
            seen.add(ref)
            try:
                target = self.resolver.lookup(ref).contents
            except Unresolvable as exc:
                raise ContractError(f"{self.address}: /{_pointer(*where)}: unresolvable $ref: {exc}") from None
            fragment = ref.partition("#")[2]
            where = tuple(unquote(p).replace("~1", "/").replace("~0", "~") for p in fragment.split("/")[1:])
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        return node, where

    def schema_at(self, where: tuple[str, ...]) -> Any:
        """The schema at `where`, its top-level $refs followed (to read its types)."""
        node: Any = self.resolver.lookup(f"#/{_pointer(*where)}").contents
        try:
            return self.follow(node, where)[0]
        except ContractError:
            return node

    def validator_class(self, side: str) -> Any:
        if self.oas30:
            return _OAS30_REQUEST if side == "request" else _OAS30_RESPONSE
        return _OAS31_REQUEST if side == "request" else _OAS31_RESPONSE

    def allows(self, schema: Any, value: Any, side: str) -> bool:
        """Whether `value` fits `schema`, a node of this document (its $refs resolved here)."""
        cls = self.validator_class(side)
        try:
            validator = cls(schema, registry=self.registry, _resolver=self.resolver, format_checker=cls.FORMAT_CHECKER)
            return bool(validator.is_valid(value))
        except Exception:  # an unresolvable or malformed schema allows nothing we can tell
            return False

    def compile(self, where: tuple[str, ...], side: str) -> Validator:
        key = (_pointer(*where), side)
        if key not in self._compiled:
            cls = self.validator_class(side)
            # Rooted at the schema itself, behind any bare `{"$ref": …}` (a $ref with siblings stays: in 3.1
            # both apply), with the document's resolver: a validation then looks up only the $refs nested in
            # it, not one for the root on every call (a third of the embedded enver's time per request).
            root: Any = {"$ref": f"#/{key[0]}"}
            seen: set[str] = set()
            try:
                while isinstance(root, dict) and list(root) == ["$ref"] and root["$ref"] not in seen:
                    seen.add(root["$ref"])
                    root = self.resolver.lookup(root["$ref"]).contents
            except Unresolvable as exc:
                raise ContractError(f"{self.address}: /{key[0]}: unresolvable schema reference: {exc}") from None
            validator = cls(root, registry=self.registry, format_checker=cls.FORMAT_CHECKER, _resolver=self.resolver)
            try:  # resolve every $ref now: a broken artifact fails at load time, not mid-scenario
                validator.is_valid(None)
            except Exception as exc:  # referencing.exceptions.Unresolvable and friends
                raise ContractError(f"{self.address}: /{key[0]}: unresolvable schema reference: {exc}") from None
            self._compiled[key] = validator
        return self._compiled[key]


def implied_operation_id(method: str, path: str, taken: Container[str]) -> str:
    """The id of an operation its contract gives none (operationId is optional): method and
    path, e.g. `get_pet_id` for GET /pet/{id}, made unique with a number."""
    stem = f"{method.lower()}_{'_'.join(re.findall(r'[A-Za-z0-9]+', path)) or 'root'}"
    found, n = stem, 2
    while found in taken:
        found, n = f"{stem}_{n}", n + 1
    return found


class OpenApiContract:
    """A service's OpenAPI artifact, with every schema compiled once."""

    def __init__(self, service: str, artifact: Artifact):
        if artifact.kind != "openapi":
            raise ContractError(
                f"{artifact.address}: {service} needs an openapi artifact, found odmdKind {artifact.kind}"
            )
        self.service = service
        self.artifact = artifact
        doc = artifact.document
        d = _Document(service, doc, artifact.address)
        self._doc = d
        self.security_schemes: dict[str, SecurityScheme] = {}
        for name, raw in ((doc.get("components") or {}).get("securitySchemes") or {}).items():
            scheme, _ = d.follow(raw, ("components", "securitySchemes", name))
            self.security_schemes[name] = scheme_from(name, scheme)
        default_security = self._requirements(doc.get("security") or [], ("security",))
        self.operations: dict[str, Operation] = {}
        for path, raw_item in (doc.get("paths") or {}).items():
            item, item_at = d.follow(raw_item or {}, ("paths", path))
            shared = self._parameters(item.get("parameters") or [], (*item_at, "parameters"))
            for method in METHODS:
                spec = item.get(method)
                if spec is None:
                    continue
                at = (*item_at, method)
                op_id = spec.get("operationId") or implied_operation_id(method, path, self.operations)
                if op_id in self.operations:
                    raise ContractError(f"{artifact.address}: operationId {op_id} is used twice")
                own = self._parameters(spec.get("parameters") or [], (*at, "parameters"))
                named = {(p.location, p.name) for p in own}
                parameters = [p for p in shared if (p.location, p.name) not in named] + own
                security = (
                    default_security
                    if spec.get("security") is None
                    else self._requirements(spec["security"], (*at, "security"))
                )
                op = Operation(service, op_id, method.upper(), path, security, parameters=parameters)
                if spec.get("requestBody") is not None:
                    body, body_at = d.follow(spec["requestBody"], (*at, "requestBody"))
                    op.request_media = _choose_media(body.get("content"))
                    op.request_required = bool(body.get("required", False))
                    media = (body.get("content") or {}).get(op.request_media) or {}
                    if op.request_media is not None and (is_json(op.request_media) or is_text(op.request_media)):
                        if "schema" in media:
                            op.request_validator = d.compile(
                                (*body_at, "content", op.request_media, "schema"), "request"
                            )
                for status, raw_resp in (spec.get("responses") or {}).items():
                    resp, resp_at = d.follow(raw_resp or {}, (*at, "responses", str(status)))
                    for name, header in (resp.get("headers") or {}).items():
                        d.follow(header, (*resp_at, "headers", name))  # a broken header $ref fails now
                    chosen = _choose_media(resp.get("content"))
                    op.response_media[str(status)] = chosen
                    content = (resp.get("content") or {}).get(chosen) or {}
                    readable = is_json(chosen) or is_text(chosen)
                    op.responses[str(status)] = (
                        d.compile((*resp_at, "content", str(chosen), "schema"), "response")
                        if readable and "schema" in content
                        else None
                    )
                self.operations[op_id] = op

    def _requirements(self, raw: Any, where: tuple[str, ...]) -> tuple[Requirement, ...]:
        out: list[Requirement] = []
        for req in raw or []:
            schemes = []
            for name in req or {}:
                if name not in self.security_schemes:
                    raise InvalidDocument(
                        f"{self.artifact.address}: /{_pointer(*where)}: security scheme {name!r} is not declared "
                        f"in components/securitySchemes (OpenAPI, Security Requirement Object: each name MUST "
                        f"correspond to a security scheme declared there)"
                    )
                schemes.append(self.security_schemes[name])
            out.append(tuple(schemes))
        return tuple(out)

    def _parameters(self, raw: list[Any], where: tuple[str, ...]) -> list[Parameter]:
        d = self._doc
        out = []
        for i, node in enumerate(raw):
            p, at = d.follow(node, (*where, str(i)))
            location = str(p.get("in", ""))
            if location not in DEFAULT_STYLE:
                raise ContractError(f"{self.artifact.address}: /{_pointer(*at)}: parameter `in` is {location!r}")
            if location == "header" and str(p.get("name", "")).lower() in ("accept", "content-type", "authorization"):
                continue  # "the parameter definition SHALL be ignored" (Parameter Object, fixed fields)
            style = str(p.get("style", DEFAULT_STYLE[location]))
            media = None
            schema_at: tuple[str, ...] | None = None
            if "schema" in p:
                schema_at = (*at, "schema")
            elif isinstance(p.get("content"), dict) and p["content"]:
                media = next(iter(p["content"]))
                if "schema" in p["content"][media]:
                    schema_at = (*at, "content", media, "schema")
            schema = d.schema_at(schema_at) if schema_at else {}
            if media is None and schema_at is None:
                schema = {}
            items, _ = d.follow(schema.get("items", {}), ()) if isinstance(schema, dict) else ({}, ())
            props = {}
            for name, sub in ((schema.get("properties") or {}) if isinstance(schema, dict) else {}).items():
                props[name] = d.follow(sub, ())[0]
            out.append(
                Parameter(
                    name=str(p.get("name")),
                    location=location,
                    required=bool(p.get("required", location == "path")),
                    style=style,
                    explode=bool(p.get("explode", style == "form")),
                    schema=schema,
                    validator=d.compile(schema_at, "request") if schema_at else None,
                    media=media,
                    item_schema=items,
                    property_schemas=props,
                )
            )
        return out

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise ContractError(
                f"{self.artifact.address}: {self.service} has no operation {operation_id!r} "
                f"(operations: {', '.join(self.operations)})"
            ) from None

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation that `method path` (relative to the base URL) calls, with its path
        parameters; a literal path wins over a templated one (/pet/findByStatus over /pet/{petId})."""
        found = []
        for op in self.operations.values():
            params = op.matches(method, path)
            if params is not None:
                found.append((len(params), op, params))
        if not found:
            return None
        _, op, params = min(found, key=lambda f: f[0])
        return op, params
