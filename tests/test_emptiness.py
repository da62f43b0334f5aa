"""Schemas that admit no value, proved from the document (contracts.emptiness): each rule on a
planted schema, and its satisfiable neighbour that must not be flagged."""

from __future__ import annotations

import json

import pytest

from odmd_bdd.contracts import OpenApiContract, load_artifact
from odmd_bdd.contracts.emptiness import Emptiness

SCHEMAS = {
    "S1": {"type": "string", "title": "one"},
    "S2": {"type": "string", "title": "two"},
    "Tree": {
        "type": "object",
        "required": ["parent"],
        "properties": {"parent": {"$ref": "#/components/schemas/Tree"}},
    },
    "Person": {  # recursion through an optional property ends
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "boss": {"$ref": "#/components/schemas/Person"}},
    },
    "NullableTree": {
        "type": "object",
        "nullable": True,
        "required": ["parent"],
        "properties": {"parent": {"$ref": "#/components/schemas/NullableTree"}},
    },
    "Expr": {  # recursion through a oneOf with a way out
        "type": "object",
        "required": ["value"],
        "properties": {"value": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Expr"}]}},
    },
}


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> Emptiness:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    doc["components"] = {"schemas": SCHEMAS}
    path = tmp_path_factory.mktemp("e") / "c.json"
    path.write_text(json.dumps(doc))
    contract = OpenApiContract("t", load_artifact(path))
    return Emptiness(contract._doc, True)


REF = "#/components/schemas/"


@pytest.mark.parametrize(
    "schema, proof",
    [
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "/x/allOf: the allOf parts' types have none in common"),
        ({"oneOf": [{"$ref": REF + "S1"}, {"$ref": REF + "S2"}]}, "/x/oneOf: every oneOf branch equals another"),
        (
            {"$ref": REF + "Tree"},
            "/components/schemas/Tree: a required property leads back to /components/schemas/Tree",
        ),
        (
            {
                "type": "object",
                "required": ["t"],
                "properties": {"t": {"allOf": [{"type": "array"}, {"type": "object"}]}},
            },
            "/x/properties/t/allOf",
        ),
    ],
)
def test_a_schema_no_value_fits_is_proved_at_its_pointer(empty, schema, proof):
    assert (empty.reason(schema, ("x",)) or "").startswith(proof)


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"type": "number"}, {"type": "integer"}]},  # integers are numbers
        {"oneOf": [{"$ref": REF + "S1"}, {"type": "integer"}]},
        {"oneOf": [{"$ref": REF + "S1"}, {"$ref": REF + "S2"}], "discriminator": {"propertyName": "k"}},
        {"oneOf": [{"$ref": REF + "S1"}, {"$ref": REF + "S2"}, {"type": "integer"}]},  # the third takes 1
        {"$ref": REF + "Person"},
        {"$ref": REF + "NullableTree"},
        {"$ref": REF + "Expr"},
        {"type": "object", "properties": {"t": {"allOf": [{"type": "array"}, {"type": "object"}]}}},  # optional
    ],
)
def test_a_schema_some_value_fits_is_not_flagged(empty, schema):
    assert empty.reason(schema, ("x",)) is None
