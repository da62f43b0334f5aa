"""`odmd-bdd add-service NAME --contract FILE`: a service of any OpenAPI 3.1/3.0 document,
added with data only.

1. The contract is loaded as a run loads it (validated in full; an invalid document stops here
   with the validator's message) and copied to `contracts/NAME.openapi.json` beside the others.
2. The constellation gets the service's entry (build id, base URL producer and variable, the
   contract, a mock credential per security scheme), written into the file's `services:` block
   so its comments stay.
3. The dataset gets one constant per mock credential and a use case NAME (upper case) with one
   drafted case per operation: the request from the contract's examples (or values its schemas
   allow), the answer of its first success status from its examples (or its schema).
4. What was drafted from schemas rather than examples is listed: the values a QA replaces with
   meaningful ones. Every drafted case validates against the contract (`odmd-bdd check`).
"""

from __future__ import annotations

import functools
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from odmd_bdd.contracts import OpenApiContract, load_artifact
from odmd_bdd.contracts.emptiness import Emptiness, unsatisfiable_operations
from odmd_bdd.contracts.openapi import Operation, is_json, is_text
from odmd_bdd.contracts.security import SecurityScheme
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_ANNOTATIONS = ("title", "description", "example", "examples", "default", "deprecated", "externalDocs", "xml")


@dataclass
class Draft:
    service: str
    use_case: str
    contract_path: Path
    constants: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)  # scheme -> constant
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    fill_in: list[str] = field(default_factory=list)  # "<case>: <where> (from the schema)"
    not_drafted: dict[str, str] = field(default_factory=dict)  # operation -> why no case
    unsatisfiable: dict[str, str] = field(default_factory=dict)  # operation -> the document's proof


def use_case_of(service: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", service.removesuffix("-service")).strip("_").upper()


def credential_constant(service: str, scheme: SecurityScheme) -> tuple[str, str]:
    """(constant name, mock value) of a scheme's credential; the name says it is a credential,
    so reports mask its value."""
    stem = f"{use_case_of(service)}_{re.sub(r'[^A-Za-z0-9]+', '_', scheme.name).upper()}"
    if scheme.type == "apiKey":
        name = stem if re.search(r"API_?KEY$", stem) else f"{stem}_API_KEY"
        return name, f"mock-{service}-{scheme.name}-key".lower()
    if scheme.type == "http" and scheme.scheme == "basic":
        return f"{stem}_PASSWORD", f"qa-user:mock-{service}-password".lower()
    name = stem if stem.endswith("TOKEN") else f"{stem}_TOKEN"
    return name, f"mock-{service}-{scheme.name}-token".lower()


class _Drafter:
    """Values from a contract's examples, else from what its schemas allow."""

    def __init__(self, contract: OpenApiContract):
        self.doc = contract._doc
        self.empty = {side: Emptiness(self.doc, self.doc.oas30, side) for side in ("request", "response")}

    def follow(self, node: Any) -> Any:
        return self.doc.follow(node, ())[0]

    def example(self, holder: Any) -> tuple[bool, Any]:
        """An example a Parameter/Media Type Object carries (`example`, or the first of `examples`)."""
        holder = self.follow(holder)
        if not isinstance(holder, dict):
            return False, None
        if "example" in holder:
            return True, holder["example"]
        for ex in (holder.get("examples") or {}).values() if isinstance(holder.get("examples"), dict) else []:
            ex = self.follow(ex)
            if isinstance(ex, dict) and "value" in ex:
                return True, ex["value"]
        return False, None

    def value(self, schema: Any, side: str, depth: int = 0) -> Any:
        """A value the schema allows: its example, default, const or first enum value that fits, else one
        built from its type (required properties only; read-only ones left out of a request,
        write-only ones out of a response)."""
        schema = self.follow(schema)
        if not isinstance(schema, dict) or depth > 12:
            return None
        listed: Any = schema.get("examples") if isinstance(schema.get("examples"), list) else []
        enum: Any = schema.get("enum") if isinstance(schema.get("enum"), list) else []
        given = [*(schema[key] for key in ("const", "example", "default") if key in schema), *listed, *enum]
        for candidate in given:  # a document's own value, unless it breaks the schema (`default: null`, a bad uuid)
            if self.doc.allows(schema, candidate, side):
                return candidate
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                branches = [self.with_siblings(schema, key, branch) for branch in schema[key]]
                drafted = [self.value(branch, side, depth + 1) for branch in branches]
                _name_branches(schema, schema[key], drafted)
                # the first branch's value that fits the whole schema (a oneOf value must fit only one)
                fits = next((v for v in drafted if self.doc.allows(schema, v, side)), None)
                if fits is None and key == "oneOf":  # branches that overlap: a value only one takes
                    fits = self.set_apart(schema, branches, drafted, side)
                return drafted[0] if fits is None else fits
        if schema.get("allOf"):
            merged: dict[str, Any] = {}
            parts = [self.value(part, side, depth + 1) for part in schema["allOf"]]
            for got in parts:
                if isinstance(got, dict):
                    merged.update(got)
            if merged or not any(p is not None for p in parts):
                return merged
            # an allOf of strings, numbers, ...: the part's value that fits them all
            return next((p for p in parts if self.doc.allows(schema, p, side)), next(p for p in parts if p is not None))
        types = schema.get("type")
        kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        if kind == "object":
            out = {}
            skip = "readOnly" if side == "request" else "writeOnly"
            required = list(schema.get("required") or [])
            props = schema.get("properties") or {}
            # every declared property near the top (a case reads like the request), required ones deeper
            names = [*required, *(n for n in props if n not in required)] if depth < 2 else required
            for name in names:
                sub = self.follow(props.get(name, {}))
                if isinstance(sub, dict) and sub.get(skip):
                    continue
                if name not in required and self.empty[side].reason(props.get(name, {}), ()) is not None:
                    continue  # an optional property no value can fill is left out
                out[name] = self.value(sub, side, depth + 1)
            return out
        if kind == "array":
            least = int(schema.get("minItems", 0))
            if least == 0 and depth >= 3:  # deep (a recursive schema): an empty list ends it
                return []
            return [self.value(schema.get("items", {}), side, depth + 1)] * max(1, least)
        if kind in ("integer", "number"):
            return _number(schema, kind)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        fmt = schema.get("format")
        text = {
            "date-time": "2026-02-03T04:05:06Z",
            "date": "2026-02-03",
            "uuid": "550e8400-e29b-41d4-a716-446655440000",
            "email": "qa@example.com",
            "uri": "https://example.com/",
        }.get(str(fmt), "string")
        text = text.ljust(int(schema.get("minLength", 0)), "x")
        if isinstance(schema.get("pattern"), str) and not self.doc.allows(schema, text, side):
            # the format's text unless the pattern refuses it (a date with a pattern takes the date)
            matching = _matching(schema["pattern"])
            if matching is not None:
                return matching
        return text

    def properties(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """The properties a schema declares, its allOf parts' included ($refs followed)."""
        schema = self.follow(schema)
        if not isinstance(schema, dict) or depth > 8:
            return {}
        out = {name: self.follow(sub) for name, sub in (schema.get("properties") or {}).items()}
        for part in schema.get("allOf") or []:
            out = {**self.properties(part, depth + 1), **out}
        return out

    def with_siblings(self, schema: dict[str, Any], key: str, branch: Any) -> Any:
        """A oneOf/anyOf branch with the keywords beside the oneOf (type, properties, required, ...)
        that a value of it must also keep; the branch itself where there are none."""
        beside = {k: v for k, v in schema.items() if k not in (key, "discriminator", *_ANNOTATIONS)}
        if not beside:
            return branch
        own = self.follow(branch)
        if not isinstance(own, dict):
            return branch
        merged = {**beside, **own}
        if isinstance(beside.get("properties"), dict) and isinstance(own.get("properties"), dict):
            merged["properties"] = {**beside["properties"], **own["properties"]}
        if isinstance(beside.get("required"), list) and isinstance(own.get("required"), list):
            merged["required"] = list(dict.fromkeys([*beside["required"], *own["required"]]))
        return merged

    def set_apart(self, schema: Any, branches: list[Any], drafted: list[Any], side: str) -> Any:
        """A value of one oneOf branch that the others refuse, when the branches' drafts each fit
        several: a property another branch declares (and this one does not) is added with a value
        of a type that branch refuses. None if no such value is found."""
        wrong: list[Any] = [0, "x", True, [], {}]
        for i, value in enumerate(drafted):
            if not isinstance(value, dict):
                continue
            need = self.follow(branches[i]).get("required") if isinstance(self.follow(branches[i]), dict) else None
            least = {k: v for k, v in value.items() if k in (need or [])}
            if least != value and self.doc.allows(schema, least, side):  # its required properties alone
                return least
            own = self.properties(branches[i])
            candidate = dict(value)
            for j, other in enumerate(branches):
                if j == i:
                    continue
                for name, sub in self.properties(other).items():
                    if name in own or name in candidate:
                        continue
                    bad = next((w for w in wrong if not self.doc.allows(sub, w, side)), None)
                    if bad is None:
                        continue
                    candidate[name] = bad
                    if self.doc.allows(schema, candidate, side):
                        return candidate
                    break  # one property per other branch, then the next branch's
        return None


def _name_branches(schema: dict[str, Any], branches: list[Any], drafted: list[Any]) -> None:
    """With a `discriminator`, each branch's value names its branch: the mapping's key for the
    branch's $ref, else the schema's name (what the validator reads to pick the branch)."""
    disc = schema.get("discriminator")
    prop = disc.get("propertyName") if isinstance(disc, dict) else None
    if not isinstance(prop, str):
        return
    mapping = {str(v): str(k) for k, v in (disc.get("mapping") or {}).items()} if isinstance(disc, dict) else {}
    for branch, value in zip(branches, drafted):
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        if isinstance(ref, str) and isinstance(value, dict):
            name = ref.rsplit("/", 1)[-1]
            value[prop] = mapping.get(ref, mapping.get(name, name))


def _number(schema: dict[str, Any], kind: str) -> int | float:
    """A value within the bounds (1, or 1.5 for a number, when they allow it), a multiple of `multipleOf`."""

    def numeric(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    low, xlow, high, step = (cast(Any, schema.get(k)) for k in ("minimum", "exclusiveMinimum", "maximum", "multipleOf"))
    value: float = 1 if kind == "integer" else 1.5
    if numeric(low):
        value = low if kind == "number" or low > 0 else value
    exclusive = xlow if numeric(xlow) else (low if xlow is True and numeric(low) else None)
    if exclusive is not None and value <= exclusive:
        value = exclusive + (1 if kind == "integer" else 0.5)
    if numeric(step) and step > 0:
        value = math.ceil(value / step) * step
    if numeric(high) and value > high:
        value = high
    return int(value) if kind == "integer" else float(value)


@functools.lru_cache(maxsize=256)
def _matching(pattern: str) -> str | None:
    """The shortest string the regular expression matches (hypothesis, as schemathesis uses it),
    or None when it cannot say (a pattern Python cannot read; hypothesis not installed)."""
    try:
        from hypothesis import Phase, find, settings
        from hypothesis import strategies as st

        # derandomized and not shrunk: the same short string each run, without the shrinker's
        # minutes on a pattern of many alternatives
        once = settings(database=None, derandomize=True, phases=[Phase.generate], max_examples=10)
        return str(find(st.from_regex(pattern, fullmatch=True), lambda _: True, settings=once))
    except Exception:  # re.error, hypothesis.errors.*, ImportError: the QA fills it in
        return None


def _success_key(op: Operation) -> str | None:
    keys = list(op.responses)
    for key in keys:
        if key.startswith("2"):
            return key
    if "default" in keys:
        return "default"
    # no success declared: a status the mock answers from the case alone (400 comes from validation,
    # 401/403 from security)
    return next((k for k in keys if k not in ("400", "401", "403")), keys[0] if keys else None)


def draft_cases(service: str, contract: OpenApiContract, contract_path: Path) -> Draft:
    draft = Draft(service, use_case_of(service), contract_path)
    for scheme in contract.security_schemes.values():
        name, value = credential_constant(service, scheme)
        draft.constants[name] = value
        draft.credentials[scheme.name] = name
    drafter = _Drafter(contract)
    draft.unsatisfiable = unsatisfiable_operations(contract)
    raw_doc = contract.artifact.document
    for op in contract.operations.values():
        if op.responses and all(key.startswith("1") for key in op.responses):
            draft.not_drafted[op.operation_id] = (
                f"declares only informational answers ({', '.join(op.responses)}): no final HTTP answer can be one"
            )
            continue
        spec = _operation_spec(raw_doc, op, drafter)
        request: dict[str, Any] = {}
        where = f"{draft.use_case}.{op.operation_id}"
        raw_params = {
            (p.get("in"), p.get("name")): p
            for p in (
                drafter.follow(x) for x in [*spec["item"].get("parameters", []), *spec["op"].get("parameters", [])]
            )
            if isinstance(p, dict)
        }
        for p in op.parameters:
            if not p.required or p.location not in ("path", "query", "header"):
                continue
            if p.location == "header" and p.name.lower() in ("accept", "content-type", "authorization"):
                continue  # the specification ignores these header parameters
            found, value = drafter.example(raw_params.get((p.location, p.name), {}))
            at = "headers" if p.location == "header" else p.location
            if not found:
                value = drafter.value(p.schema, "request")
                draft.fill_in.append(f"{where}: request.{at}.{p.name} = {json.dumps(value)}")
            request.setdefault(at, {})[p.name] = value
        if op.request_validator is not None:
            body_spec = drafter.follow(spec["op"].get("requestBody") or {})
            media = ((body_spec.get("content") or {}).get(op.request_media)) or {}
            found, value = drafter.example(media)
            if not found:
                value = drafter.value(media.get("schema", {}), "request")
                draft.fill_in.append(f"{where}: request.body (drafted from the schema)")
            if op.request_errors(value):  # an example the schema refuses (readOnly fields, ...): rebuilt
                value = drafter.value(media.get("schema", {}), "request")
            empty = drafter.empty["request"].reason(media.get("schema", {}), ())
            if empty is not None and not op.request_required:
                draft.fill_in.append(f"{where}: request.body left out: its schema admits no value ({empty})")
            else:
                request["body"] = value
        key = _success_key(op)
        status = 200 if key in (None, "default") or not key.isdigit() else int(key)
        response: dict[str, Any] = {"status": status, "body": None}
        if key is not None and op.responses.get(key) is not None:
            resp_spec = drafter.follow(spec["op"]["responses"][key])
            media_type = op.response_media.get(key)
            media = (resp_spec.get("content") or {}).get(media_type) or {}
            found, value = drafter.example(media)
            if not found or op.response_errors(key, value):
                value = drafter.value(media.get("schema", {}), "response")
                draft.fill_in.append(f"{where}: response.body (drafted from the schema)")
            if is_json(media_type) or is_text(media_type):
                response["body"] = value
        if status == 204:
            response["body"] = None
        draft.cases[op.operation_id] = {
            "service": service,
            "operation": op.operation_id,
            "request": request,
            "response": response,
        }
    return draft


def _operation_spec(doc: dict[str, Any], op: Operation, drafter: _Drafter) -> dict[str, Any]:
    item = drafter.follow((doc.get("paths") or {}).get(op.path) or {})
    return {"item": item, "op": drafter.follow(item.get(op.method.lower()) or {})}


# --- writing into the YAML files, keeping their comments ------------------------------------------


def _block_end(lines: list[str], key: str) -> int:
    """The index after the last line of the top-level block `key:` (comments before the next
    top-level key belong to it, not to this block)."""
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{key}:" or line.startswith(f"{key}: ")), None)
    if start is None:
        lines.append(f"{key}:")
        return len(lines)
    end = len(lines)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "#", "\t")):
            end = i
            break
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        if lines[end - 1].startswith("  "):  # an indented comment still belongs to the block
            break
        end -= 1
    return end


def _insert(text: str, key: str, entry: dict[str, Any], comment: str) -> str:
    lines = text.splitlines()
    at = _block_end(lines, key)
    dumped = yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, width=120).splitlines()
    block = [f"  # {comment}", *("  " + line for line in dumped)]
    lines[at:at] = block
    return "\n".join(lines) + "\n"


def add_service(
    name: str, contract_file: str | Path, constellation_path: str | Path, *, use_case: str | None = None
) -> tuple[Draft, list[Path]]:
    """Add the service `name`; returns the draft and the files written."""
    if not _NAME.match(name):
        raise OdmdError(f"service name {name!r}: use lower case letters, digits and '-' (e.g. petstore)")
    constellation = Constellation.load(constellation_path)
    if name in constellation.services:
        raise OdmdError(f"{constellation.path}: service {name} is already there")
    source = Path(contract_file)
    artifact = load_artifact(source)  # validated in full: an invalid document stops here
    contract = OpenApiContract(name, artifact)
    base = constellation.path.parent.parent if constellation.path.parent.name == "envers" else constellation.path.parent
    target = base / "contracts" / f"{name}.openapi.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    draft = draft_cases(name, contract, target)
    if use_case:
        draft.use_case = use_case
    dataset_text = constellation.dataset_path.read_text(encoding="utf-8")
    existing = yaml.safe_load(dataset_text) or {}
    if draft.use_case in (existing.get("use_cases") or {}):
        raise OdmdError(f"{constellation.dataset_path}: use case {draft.use_case} is already there (--use-case NAME)")
    stem = use_case_of(name).lower().replace("_", "")
    entry = {
        name: {
            "build_id": name,
            "base_url_producer": f"{stem}ApiBaseUrl",
            "contract": target.relative_to(base).as_posix(),
            "base_url_env": f"ODMD_{use_case_of(name)}_BASE_URL",
            **({"credentials": draft.credentials} if draft.credentials else {}),
        }
    }
    text = constellation.path.read_text(encoding="utf-8")
    constellation.path.write_text(
        _insert(text, "services", entry, f"{name}: added by odmd-bdd add-service from {source.name}"), encoding="utf-8"
    )
    if draft.constants:
        constants = {k: v for k, v in draft.constants.items() if k not in (existing.get("constants") or {})}
        dataset_text = _insert(dataset_text, "constants", constants, f"{name}: mock credentials (add-service)")
    use_case_entry = {
        draft.use_case: {
            "title": f"{name}: drafted by odmd-bdd add-service from {source.name}; replace the drafted values",
            "steps": draft.cases,
        }
    }
    dataset_text = _insert(dataset_text, "use_cases", use_case_entry, f"{name}: drafted cases (add-service)")
    constellation.dataset_path.write_text(dataset_text, encoding="utf-8")
    Constellation.load(constellation.path).dataset  # noqa: B018 — what was written loads
    return draft, [target, constellation.path, constellation.dataset_path]


def report(draft: Draft, written: list[Path]) -> str:
    lines = [f"odmd-bdd add-service: {draft.service} ({len(draft.cases)} operations, use case {draft.use_case})"]
    lines += [f"  wrote {p}" for p in written]
    if draft.credentials:
        lines.append("Mock credentials (dataset constants; the embedded enver accepts them, both layers send them):")
        lines += [f"  {scheme}: {const}" for scheme, const in draft.credentials.items()]
    if draft.not_drafted:
        lines.append("Not drafted (write a case by hand if the service answers otherwise):")
        lines += [f"  {op}: {why}" for op, why in draft.not_drafted.items()]
    if draft.unsatisfiable:
        lines.append("Unsatisfiable by the document (no request and answer can keep it; its case cannot pass):")
        lines += [f"  {op}: {why}" for op, why in draft.unsatisfiable.items()]
    if draft.fill_in:
        lines.append("Fill in (drafted from the schemas, not from examples; give them meaningful values):")
        lines += [f"  {item}" for item in draft.fill_in]
    lines += [
        "Next:",
        "  odmd-bdd check                      # every drafted case fits the contract and can be routed",
        f"  write features/{draft.use_case.lower()}.feature tagged @{draft.use_case.lower()}, e.g.",
        f"    When the client sends the dataset case {draft.use_case}.{next(iter(draft.cases), 'operationId')}",
        f"    Then the answer matches the dataset case {draft.use_case}.{next(iter(draft.cases), 'operationId')}",
        f"  pytest features/{draft.use_case.lower()}.feature   # both layers, on the embedded enver",
    ]
    return "\n".join(lines)
