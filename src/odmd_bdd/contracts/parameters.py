"""Path, query, header and cookie parameters: read from the request's strings by their style
and schema, validated by the schema, and written back the same way for sending.

OpenAPI 3.1 §4.8.12 (Parameter Object) defines how a value is spelt per `style` and `explode`:
path `simple` (default), `label` (`.a.b`), `matrix` (`;id=1`); query `form` (default, repeated
names when exploded), `spaceDelimited`, `pipeDelimited`, `deepObject` (`id[role]=admin`); header
`simple`; cookie `form`. A string is turned into the schema's type (integer, number, boolean,
null, array items, object properties); a string that does not read as that type is kept, so the
schema's validation names it ("Expected number, received string"). A parameter with `content`
(application/json) is parsed as JSON. Validation is jsonschema's.

Why not a library: openapi-core (0.23.1, the kept deserialiser) was tried on this project's own
test contract. Its request unmarshaller reads the same query as this module, but it raises a
TypeError on an OpenAPI 3.1 nullable type array in a parameter schema (`type: [number, null]`),
costs tens of times this reader's time per request (the enver reads every request's
parameters), and pins openapi-spec-validator below the 0.9 that loads our artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from jsonschema.protocols import Validator

DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_DELIMITER = {"simple": ",", "form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}
ABSENT = object()


def _types(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    out: list[str] = []
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key) or []:
            out += [x for x in _types(sub) if x not in out]
    return out


def scalar(text: str, schema: Any) -> Any:
    """`text` as the first of the schema's types it reads as; the text itself when none fits."""
    types = _types(schema)
    for t in types:
        if t == "integer":
            try:
                return int(text)
            except ValueError:
                continue
        if t == "number":
            try:
                number = float(text)
            except ValueError:
                continue
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if t == "boolean" and text in ("true", "false"):
            return text == "true"
        if t == "null" and text in ("", "null"):
            return None
        if t == "string":
            return text
    return text


def spell(value: Any) -> str:
    """A scalar as a parameter spells it (JSON's true/false/null, numbers as written)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value)


@dataclass
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    style: str
    explode: bool
    schema: Any  # the parameter's schema with its top-level $ref followed (for its types)
    validator: Validator | None  # the schema, compiled; None when the parameter has none
    media: str | None = None  # a parameter described by `content` (its media type) instead of a schema
    item_schema: Any = field(default=None)  # the items schema of an array (its $ref followed)
    property_schemas: dict[str, Any] = field(default_factory=dict)  # properties of an object (followed)

    @property
    def kind(self) -> str:
        types = _types(self.schema)
        return "array" if "array" in types else "object" if "object" in types else "scalar"

    # --- reading a request ------------------------------------------------------------------

    def read(self, raw: list[str], query: Sequence[tuple[str, str]] = ()) -> Any:
        """The value of the parameter's raw strings (ABSENT when the request has none)."""
        if self.style == "deepObject" or (self.kind == "object" and self.location == "query" and self.explode):
            return self._read_exploded_object(query)
        if not raw:
            return ABSENT
        if self.media is not None:
            try:
                return json.loads(raw[-1])
            except json.JSONDecodeError:
                return raw[-1]
        if self.kind == "array":
            if self.location == "query" and self.explode and self.style == "form":
                parts = list(raw)
            else:
                parts = self._split(raw[-1])
            return [scalar(p, self.item_schema) for p in parts]
        if self.kind == "object":
            text = raw[-1]
            if self.style == "matrix" and self.explode:  # ;R=100;G=200: the keys are the properties'
                return self._read_object([p for p in text.removeprefix(";").split(";") if p])
            return self._read_object(self._split(text) if text else [])
        text = raw[-1]
        if self.style == "label":
            text = text.removeprefix(".")
        elif self.style == "matrix":
            text = text.removeprefix(f";{self.name}=")
        return scalar(text, self.schema)

    def _split(self, text: str) -> list[str]:
        if self.style == "label":
            text = text.removeprefix(".")
            return text.split("." if self.explode else ",") if text else []
        if self.style == "matrix":
            text = text.removeprefix(";")
            if self.explode:
                return [p.split("=", 1)[1] if "=" in p else p for p in text.split(";")] if text else []
            text = text.removeprefix(f"{self.name}=")
            return text.split(",") if text else []
        return text.split(_DELIMITER.get(self.style, ",")) if text else []

    def _read_object(self, parts: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.explode:
            for part in parts:
                key, _, value = part.partition("=")
                out[key] = scalar(value, self.property_schemas.get(key))
        else:
            for key, value in zip(parts[::2], parts[1::2]):
                out[key] = scalar(value, self.property_schemas.get(key))
        return out

    def _read_exploded_object(self, query: Sequence[tuple[str, str]]) -> Any:
        out: dict[str, Any] = {}
        for key, value in query:
            if self.style == "deepObject":
                if key.startswith(f"{self.name}[") and key.endswith("]"):
                    prop = key[len(self.name) + 1 : -1]
                    out[prop] = scalar(value, self.property_schemas.get(prop))
            elif key in self.property_schemas:
                out[key] = scalar(value, self.property_schemas[key])
        return out or ABSENT

    # --- writing a request --------------------------------------------------------------------

    def write(self, value: Any) -> list[tuple[str, str]] | str:
        """How a value is sent: a path segment or header text (str), or query pairs."""
        if self.media is not None:
            text = json.dumps(value)
            return [(self.name, text)] if self.location == "query" else text
        if isinstance(value, list):
            items = [spell(v) for v in value]
            if self.location == "query" and self.explode and self.style == "form":
                return [(self.name, v) for v in items]
            if self.style == "label":
                return "." + ("." if self.explode else ",").join(items)
            if self.style == "matrix":
                if self.explode:
                    return "".join(f";{self.name}={v}" for v in items)
                return f";{self.name}=" + ",".join(items)
            joined = _DELIMITER.get(self.style, ",").join(items)
            return [(self.name, joined)] if self.location == "query" else joined
        if isinstance(value, dict):
            if self.location == "query" and self.style == "deepObject":
                return [(f"{self.name}[{k}]", spell(v)) for k, v in value.items()]
            if self.location == "query" and self.explode:
                return [(k, spell(v)) for k, v in value.items()]
            if self.explode:  # label .R=100.G=200, matrix ;R=100;G=200, simple R=100,G=200
                sep = {"label": ".", "matrix": ";"}.get(self.style, ",")
                joined = sep.join(f"{k}={spell(v)}" for k, v in value.items())
                lead = sep if self.style in ("label", "matrix") else ""
            else:  # label .R,100,G,200, matrix ;color=R,100,G,200, simple R,100,G,200
                joined = ",".join(f"{k},{spell(v)}" for k, v in value.items())
                lead = {"label": ".", "matrix": f";{self.name}="}.get(self.style, "")
            return [(self.name, joined)] if self.location == "query" else lead + joined
        text = spell(value)
        if self.location == "query":
            return [(self.name, text)]
        if self.style == "label":
            return "." + text
        if self.style == "matrix":
            return f";{self.name}={text}"
        return text


def read_parameters(
    parameters: Sequence[Parameter],
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> tuple[dict[str, dict[str, Any]], list[tuple[Parameter, Any]]]:
    """The typed value of every parameter present, by location, and (parameter, value-or-ABSENT)
    pairs to validate. Query parameters the contract does not declare are kept as strings."""
    values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
    checked: list[tuple[Parameter, Any]] = []
    declared_query: set[str] = set()
    for p in parameters:
        if p.location == "path":
            raw = [unquote(path[p.name])] if p.name in path else []
        elif p.location == "query":
            raw = [v for k, v in query if k == p.name]
            declared_query.add(p.name)
            if p.style == "deepObject" or (p.kind == "object" and p.explode):
                declared_query |= {k for k, _ in query if k.startswith(f"{p.name}[") or k in p.property_schemas}
        elif p.location == "header":
            raw = [headers[p.name.lower()]] if p.name.lower() in headers else []
        else:
            raw = [cookies[p.name]] if p.name in cookies else []
        value = p.read(raw, query)
        checked.append((p, value))
        if value is not ABSENT:
            values[p.location][p.name] = value
    for name, value in path.items():
        values["path"].setdefault(name, value)
    for key, value in query:
        if key not in declared_query:
            values["query"][key] = value
    return values, checked
