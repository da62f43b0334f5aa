"""OpenAPI 3.1 as written in the wild, served by the embedded enver over real HTTP on 127.0.0.1:
Reference Objects everywhere, typed parameters by style, media types, unions, readOnly/writeOnly,
and security schemes as declared (the contract and dataset are written here, as a team would)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
import yaml

from odmd_bdd.checks.contract import response as check_response
from odmd_bdd.contracts import OpenApiContract, load_artifact, zod_issues
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.localenv import LocalEnver
from odmd_bdd.transports.base import call_auth, prepare
from tests.openapi_docs import body_operation, document, loaded, written

PET = {"$ref": "#/components/schemas/Pet"}
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "wild", "version": "1"},
    "security": [{"bearer": []}],
    "paths": {
        "/pets/{petId}": {"$ref": "#/components/pathItems/OnePet"},
        "/pets": {
            "get": {
                "operationId": "listPets",
                "security": [],
                "parameters": [
                    {"$ref": "#/components/parameters/Tags"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
                    {"name": "wild", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "ratio", "in": "query", "schema": {"type": ["number", "null"]}},
                    {
                        "name": "ids",
                        "in": "query",
                        "style": "pipeDelimited",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "explode": True,
                        "schema": {"type": "object", "properties": {"age": {"type": "integer"}}},
                    },
                ],
                "responses": {"200": {"$ref": "#/components/responses/Pets"}},
            },
            "post": {
                "operationId": "addPet",
                "requestBody": {"$ref": "#/components/requestBodies/NewPet", "description": "a pet, sibling of $ref"},
                "responses": {"201": {"$ref": "#/components/responses/OnePet"}},
                "security": [{"apiKeyHeader": []}, {"basic": []}],
            },
        },
        "/notes": {
            "post": {
                "operationId": "addNote",
                "security": [{"apiKeyQuery": [], "apiKeyCookie": []}],
                "requestBody": {"content": {"text/plain": {"schema": {"type": "string", "minLength": 3}}}},
                "responses": {
                    "204": {"description": "kept"},
                    "200": {"description": "echo", "content": {"text/plain": {"schema": {"type": "string"}}}},
                },
            }
        },
        "/shapes": {
            "post": {
                "operationId": "addShape",
                "security": [{"oauth": ["write"]}, {"oidc": []}],
                "requestBody": {
                    "content": {"application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/Shape"}}}
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Shape"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
            "apiKeyCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            "oauth": {
                "type": "oauth2",
                "flows": {"clientCredentials": {"tokenUrl": "https://x/t", "scopes": {"write": "w"}}},
            },
            "oidc": {"$ref": "#/components/securitySchemes/oidcReal"},
            "oidcReal": {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known/openid-configuration"},
        },
        "pathItems": {
            "OnePet": {
                "parameters": [{"$ref": "#/components/parameters/PetId"}],
                "get": {
                    "operationId": "getPet",
                    "responses": {
                        "200": {"$ref": "#/components/responses/OnePet"},
                        "404": {"description": "none", "headers": {"X-Why": {"$ref": "#/components/headers/Why"}}},
                    },
                },
                "delete": {"operationId": "deletePet", "responses": {"204": {"description": "gone"}}},
            }
        },
        "parameters": {
            "PetId": {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
            "Tags": {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        },
        "headers": {"Why": {"schema": {"type": "string"}}},
        "examples": {"Rex": {"value": {"name": "Rex"}}},
        "requestBodies": {
            "NewPet": {
                "required": True,
                "content": {
                    "application/json": {"schema": PET, "examples": {"rex": {"$ref": "#/components/examples/Rex"}}}
                },
            }
        },
        "responses": {
            "OnePet": {"description": "a pet", "content": {"application/json": {"schema": PET}}},
            "Pets": {
                "description": "pets",
                "content": {"application/json": {"schema": {"type": "array", "items": PET}}},
            },
        },
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["id", "name"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "nick": {"type": ["string", "null"]},
                    "secret": {"type": "string", "writeOnly": True},
                    "parent": {"$ref": "#/components/schemas/Pet", "description": "recursive, with a sibling"},
                },
            },
            "Shape": {
                "oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"circle": "#/components/schemas/Circle", "square": "#/components/schemas/Square"},
                },
            },
            "Circle": {
                "type": "object",
                "required": ["kind", "r"],
                "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
            },
            "Square": {
                "type": "object",
                "required": ["kind", "side"],
                "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
            },
        },
    },
}

DATASET = {
    "constants": {
        "AUTH_JWT_TOKEN": "tok-valid-123",
        "WRONG_AUTH_JWT_TOKEN": "tok-wrong-999",
        "WILD_API_KEY": "key-valid-123",
        "WILD_QUERY_KEY": "qkey-valid-123",
        "WILD_COOKIE_SECRET": "cookie-valid-123",
        "WILD_BASIC_PASSWORD": "alice:s3cret",
        "WILD_OAUTH_TOKEN": "oauth-valid-123",
    },
    "use_cases": {
        "W": {
            "title": "wild",
            "steps": {
                "get_pet": {
                    "service": "wild",
                    "operation": "getPet",
                    "request": {"path": {"petId": 7}},
                    "response": {
                        "status": 200,
                        "body": {"id": 7, "name": "Rex", "nick": None, "parent": {"id": 1, "name": "Max"}},
                    },
                },
                "delete_pet": {
                    "service": "wild",
                    "operation": "deletePet",
                    "request": {"path": {"petId": 7}},
                    "response": {"status": 204, "body": None},
                },
                "list_pets": {
                    "service": "wild",
                    "operation": "listPets",
                    "auth": "none",
                    "request": {
                        "query": {"tags": ["a", "b"], "limit": 2, "wild": True, "ids": [1, 2], "filter": {"age": 3}}
                    },
                    "response": {"status": 200, "body": [{"id": 7, "name": "Rex"}]},
                },
                "add_pet": {
                    "service": "wild",
                    "operation": "addPet",
                    "request": {"body": {"name": "Rex", "secret": "s"}},
                    "response": {"status": 201, "body": {"id": 7, "name": "Rex"}},
                },
                "add_note": {
                    "service": "wild",
                    "operation": "addNote",
                    "request": {"body": "hello"},
                    "response": {"status": 200, "body": "noted: hello"},
                },
                "add_shape": {
                    "service": "wild",
                    "operation": "addShape",
                    "request": {"body": {"kind": "circle", "r": 1}},
                    "response": {"status": 200, "body": {"kind": "circle", "r": 1}},
                },
            },
        }
    },
}

CONSTELLATION = {
    "dataset": "dataset.yaml",
    "mock_auth": {"valid_bearer_tokens": ["AUTH_JWT_TOKEN"], "invalid_bearer_token": "WRONG_AUTH_JWT_TOKEN"},
    "services": {
        "wild": {
            "base_url_producer": "wildApiBaseUrl",
            "contract": "wild.openapi.json",
            "credentials": {
                "apiKeyHeader": "WILD_API_KEY",
                "apiKeyQuery": "WILD_QUERY_KEY",
                "apiKeyCookie": "WILD_COOKIE_SECRET",
                "basic": "WILD_BASIC_PASSWORD",
                "oauth": "WILD_OAUTH_TOKEN",
            },
        }
    },
    "envers": {"local": {"embedded": True, "revision": "b..mock"}},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wild")
    (root / "wild.openapi.json").write_text(json.dumps(CONTRACT))
    (root / "dataset.yaml").write_text(yaml.safe_dump(DATASET))
    (root / "constellation.yaml").write_text(yaml.safe_dump(CONSTELLATION))
    return root


@pytest.fixture(scope="module")
def constellation(project) -> Constellation:
    return Constellation.load(project / "constellation.yaml")


@pytest.fixture(scope="module")
def wild(constellation) -> OpenApiContract:
    return constellation.contracts["wild"]


@pytest.fixture(scope="module")
def base(constellation):
    with LocalEnver(constellation) as enver:
        yield enver.base_urls["wild"]


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


BEARER = {"Authorization": "Bearer tok-valid-123"}


def test_reference_objects_are_followed_everywhere(wild):
    assert set(wild.operations) == {"getPet", "deletePet", "listPets", "addPet", "addNote", "addShape"}
    get_pet = wild.operation("getPet")  # from a $ref'd path item, its parameter from its shared $ref
    assert get_pet.path == "/pets/{petId}" and [p.name for p in get_pet.parameters] == ["petId"]
    assert get_pet.parameters[0].location == "path" and get_pet.parameters[0].kind == "scalar"
    add = wild.operation("addPet")  # a $ref'd request body with a sibling, a $ref'd response
    assert add.request_media == "application/json" and add.request_required
    assert [e.message for e in add.request_errors({"name": 3})] == ["3 is not of type 'string'"]
    assert add.response_errors("201", {"id": 1, "name": "a", "parent": {"id": 2, "name": "b"}}) == []
    recursive = add.response_errors("201", {"id": 1, "name": "a", "parent": {"id": 2}})
    assert [list(e.absolute_path) for e in recursive] == [["parent"]]
    assert wild.operation("listPets").parameters[0].name == "tags"
    assert [s.name for s in wild.operation("addShape").schemes] == ["oauth", "oidc"]
    assert wild.operation("addShape").schemes[1].type == "openIdConnect"  # a $ref'd security scheme


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _minimal(paths: dict) -> dict:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}


def test_an_operation_without_operation_id_gets_one_from_its_method_and_path(tmp_path):
    """operationId is optional (corpus: 3.0/json/security.json and 36 more documents have none)."""
    doc = _minimal(
        {
            "/pet/{id}": {"parameters": [ID], "get": {"responses": {"200": {"description": "ok"}}}},
            "/pet/{id}/": {"parameters": [ID], "get": {"responses": {"200": {"description": "ok"}}}},
            "/": {"post": {"operationId": "create", "responses": {"201": {"description": "ok"}}}},
        }
    )
    (tmp_path / "c.json").write_text(json.dumps(doc))
    ops = OpenApiContract("t", load_artifact(tmp_path / "c.json")).operations
    assert sorted(ops) == ["create", "get_pet_id", "get_pet_id_2"]
    assert (ops["get_pet_id"].path, ops["get_pet_id_2"].path) == ("/pet/{id}", "/pet/{id}/")


def test_a_path_naming_a_parameter_twice_routes_when_both_agree(tmp_path):
    """Corpus: 3.0/json/parameters-common.json has /anything/{id}/{action}/{id} (the router crashed)."""
    doc = _minimal({"/a/{id}/{action}/{id}": {"get": {"operationId": "twice"}}})
    doc["paths"]["/a/{id}/{action}/{id}"]["parameters"] = [ID, {**ID, "name": "action", "schema": {"type": "string"}}]
    (tmp_path / "c.json").write_text(json.dumps(doc))
    op = OpenApiContract("t", load_artifact(tmp_path / "c.json")).operation("twice")
    assert op.matches("GET", "/a/7/go/7") == {"id": "7", "action": "go"}
    assert op.matches("GET", "/a/7/go/8") is None


@pytest.mark.parametrize(
    "style, explode, written",
    [
        ("simple", False, "R,100,G,200"),
        ("simple", True, "R=100,G=200"),
        ("label", False, ".R,100,G,200"),
        ("label", True, ".R=100.G=200"),
        ("matrix", False, ";color=R,100,G,200"),
        ("matrix", True, ";R=100;G=200"),
    ],
)
def test_an_object_path_parameter_is_written_and_read_as_its_style_spells_it(tmp_path, style, explode, written):
    """RFC 6570 as OpenAPI's style table has it (corpus: parameters-style.json, label and matrix)."""
    rgb = {"type": "object", "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}}}
    param = {"name": "color", "in": "path", "required": True, "style": style, "explode": explode, "schema": rgb}
    doc = _minimal({"/c/{color}": {"get": {"operationId": "c", "parameters": [param]}}})
    (tmp_path / "c.json").write_text(json.dumps(doc))
    color = OpenApiContract("t", load_artifact(tmp_path / "c.json")).operation("c").parameters[0]
    assert color.write({"R": 100, "G": 200}) == written
    assert color.read([written]) == {"R": 100, "G": 200}


def test_an_operation_without_responses_allows_any_answer(tmp_path):
    """`responses` is optional in 3.1 (corpus: 3.1/json/schema-types.json): no status is undeclared."""
    doc = _minimal({"/a": {"post": {"operationId": "a"}}, "/b": {"post": {"operationId": "b", "responses": {}}}})
    doc["paths"]["/b"]["post"]["responses"] = {"201": {"description": "ok"}}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    contract = OpenApiContract("t", load_artifact(tmp_path / "c.json"))
    assert check_response(contract.operation("a"), 200, {"any": 1}, "application/json") == []
    assert [p.message for p in check_response(contract.operation("b"), 200, None, None)] == [
        "status 200 is not declared (declared: 201)"
    ]


def test_a_broken_reference_in_a_request_body_fails_at_load(tmp_path):
    broken = json.loads(json.dumps(CONTRACT))
    broken["paths"]["/pets"]["post"]["requestBody"] = {"$ref": "#/components/requestBodies/Nope"}
    (tmp_path / "c.json").write_text(json.dumps(broken))
    with pytest.raises(Exception, match="requestBodies/Nope"):
        OpenApiContract("wild", load_artifact(tmp_path / "c.json"))


def test_read_only_is_refused_in_a_request_and_write_only_in_a_response(wild):
    add = wild.operation("addPet")
    assert add.request_errors({"name": "Rex"}) == []  # id is required but read-only: not asked for
    assert "read-only" in add.request_errors({"name": "Rex", "id": 1})[0].message
    assert "write-only" in add.response_errors("201", {"id": 1, "name": "R", "secret": "x"})[0].message


def test_an_integer_path_parameter_is_typed_before_matching(http, base):
    r = http.get(f"{base}/pets/7", headers=BEARER)
    assert r.status_code == 200 and r.json()["name"] == "Rex" and r.json()["nick"] is None
    assert http.get(f"{base}/pets/8", headers=BEARER).status_code == 404  # valid, but no case


@pytest.mark.parametrize(
    "segment, issue",
    [
        ("abc", {"code": "invalid_type", "expected": "number", "received": "string", "path": ["petId"]}),
        ("0", {"code": "too_small", "path": ["petId"]}),
        ("1.5", {"code": "invalid_type", "expected": "number", "received": "string", "path": ["petId"]}),
    ],
)
def test_an_invalid_path_parameter_is_a_400_with_zod_issues(http, base, segment, issue):
    r = http.get(f"{base}/pets/{segment}", headers=BEARER)
    assert r.status_code == 400 and r.json()["name"] == "ZodError"
    (got,) = r.json()["issues"]
    assert {k: got[k] for k in issue} == issue


def test_query_parameters_are_read_by_style_and_explode(http, base):
    q = "tags=a&tags=b&limit=2&wild=true&ids=1|2&filter[age]=3"
    assert http.get(f"{base}/pets?{q}").json() == [{"id": 7, "name": "Rex"}]
    assert http.get(f"{base}/pets?tags=a&limit=2&wild=true&ids=1|2&filter[age]=3").status_code == 404
    bad = http.get(f"{base}/pets?limit=99&wild=maybe&ids=1|x&ratio=null")
    assert bad.status_code == 400
    assert sorted((tuple(i["path"]), i["code"]) for i in bad.json()["issues"]) == [
        (("ids", 1), "invalid_type"),
        (("limit",), "too_big"),
        (("wild",), "invalid_type"),
    ]


def test_the_harness_writes_parameters_as_their_style_spells_them(wild):
    url, _, _ = prepare(
        "http://h/wild",
        wild.operation("listPets"),
        None,
        None,
        None,
        {"tags": ["a", "b"], "limit": 2, "wild": True, "ids": [1, 2], "filter": {"age": 3}},
    )
    assert url == "http://h/wild/pets?tags=a&tags=b&limit=2&wild=true&ids=1%7C2&filter%5Bage%5D=3"
    assert prepare("http://h/wild", wild.operation("getPet"), None, {"petId": 7}, None)[0] == "http://h/wild/pets/7"


def test_204_has_no_body(http, base):
    r = http.delete(f"{base}/pets/7", headers=BEARER)
    assert r.status_code == 204 and r.content == b"" and "content-type" not in r.headers


def test_text_plain_bodies_and_plus_json_media_types(http, base):
    cookies = {"Cookie": "session=cookie-valid-123"}
    r = http.post(
        f"{base}/notes?api_key=qkey-valid-123", content=b"hello", headers={"Content-Type": "text/plain", **cookies}
    )
    assert r.status_code == 200 and r.text == "noted: hello" and r.headers["content-type"].startswith("text/plain")
    short = http.post(f"{base}/notes?api_key=qkey-valid-123", content=b"hi", headers=cookies)
    assert short.status_code == 400 and short.json()["issues"][0]["code"] == "too_small"
    oauth = {"Authorization": "Bearer oauth-valid-123", "Content-Type": "application/merge-patch+json"}
    shape = http.post(f"{base}/shapes", content=b'{"kind": "circle", "r": 1}', headers=oauth)
    assert shape.status_code == 200 and shape.json() == {"kind": "circle", "r": 1}


def test_a_discriminated_union_names_the_discriminator_or_the_branch(http, base):
    oauth = {"Authorization": "Bearer oauth-valid-123"}
    unknown = http.post(f"{base}/shapes", json={"kind": "hexagon"}, headers=oauth).json()["issues"]
    assert unknown == [
        {
            "code": "invalid_union_discriminator",
            "options": ["circle", "square"],
            "path": ["kind"],
            "message": "Invalid discriminator value. Expected 'circle' | 'square'",
        }
    ]
    branch = http.post(f"{base}/shapes", json={"kind": "square"}, headers=oauth).json()["issues"]
    assert [(i["code"], i["path"]) for i in branch] == [("invalid_type", ["side"])]
    # the first branch too (its issues, not the last mapping entry's; corpus discriminators.json)
    circle = http.post(f"{base}/shapes", json={"kind": "circle"}, headers=oauth).json()["issues"]
    assert [(i["code"], i["path"]) for i in circle] == [("invalid_type", ["r"])]
    # a discriminator that is not a string is a 400 naming it, not a 500 (schemathesis found it)
    odd = http.post(f"{base}/shapes", json={"kind": {"x": 1}}, headers=oauth)
    assert odd.status_code == 400 and odd.json()["issues"][0]["code"] == "invalid_union_discriminator"


@pytest.mark.parametrize(
    "how, url, headers, status",
    [
        ("api key header", "/pets", {"X-Api-Key": "key-valid-123"}, 201),
        ("wrong api key", "/pets", {"X-Api-Key": "key-wrong"}, 401),
        (
            "basic, the other alternative",
            "/pets",
            {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()},
            201,
        ),
        ("wrong basic", "/pets", {"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()}, 401),
        ("the global bearer does not stand for apiKey", "/pets", BEARER, 401),
        ("none", "/pets", {}, 401),
    ],
)
def test_security_alternatives_per_operation(http, base, how, url, headers, status):
    r = http.post(f"{base}{url}", json={"name": "Rex", "secret": "s"}, headers=headers)
    assert r.status_code == status, how
    if status == 401:
        assert "X-Api-Key" in r.json()["message"] and "HTTP basic" in r.json()["message"]


def test_every_scheme_of_a_requirement_is_needed_and_security_empty_is_open(http, base):
    cookie = {"Cookie": "session=cookie-valid-123"}
    assert http.post(f"{base}/notes?api_key=qkey-valid-123", content=b"hello").status_code == 401  # no cookie
    assert http.post(f"{base}/notes", content=b"hello", headers=cookie).status_code == 401  # no query key
    assert http.post(f"{base}/notes?api_key=qkey-valid-123", content=b"hello", headers=cookie).status_code == 200
    assert http.get(f"{base}/pets?tags=a&tags=b&limit=2&wild=true&ids=1|2&filter[age]=3").status_code == 200
    assert http.get(f"{base}/pets/7").status_code == 401  # the global bearer requirement
    oidc = {"Authorization": "Bearer tok-valid-123"}  # openIdConnect with no mock credential: the bearer tokens
    assert http.post(f"{base}/shapes", json={"kind": "circle", "r": 1}, headers=oidc).status_code == 200


def test_the_harness_presents_each_scheme_from_the_mock_credentials(constellation, wild):
    creds = constellation.mock_credentials("wild")
    assert call_auth(wild.operation("addPet"), creds, None) == ({"X-Api-Key": "key-valid-123"}, [])
    assert call_auth(wild.operation("addNote"), creds, None) == (
        {"Cookie": "session=cookie-valid-123"},
        [("api_key", "qkey-valid-123")],
    )
    assert call_auth(wild.operation("getPet"), creds, "tok") == ({"Authorization": "Bearer tok"}, [])
    assert call_auth(wild.operation("addPet"), creds, "bad", instead=True) == ({"X-Api-Key": "bad"}, [])
    basic_only = {"basic": "alice:s3cret"}
    headers, _ = call_auth(wild.operation("addPet"), basic_only, None)
    assert headers == {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()}


def test_typed_query_parameters_and_query_and_cookie_keys_cross_the_state_machine_whole(constellation, wild, base):
    """The sfn transport carries every value of an exploded array (`tags=a&tags=b`), the
    pipe-delimited and deepObject spellings, and an apiKey in the query beside one in a cookie:
    the embedded enver answers as it does to the same call over plain HTTP."""
    from odmd_bdd.aws import EmbeddedAws, deploy_bdd_state_machine
    from odmd_bdd.transports import SfnTransport

    with EmbeddedAws() as aws:
        sfn = aws.client("stepfunctions")
        transport = SfnTransport(sfn, deploy_bdd_state_machine(aws))
        try:
            query = {"tags": ["a", "b"], "limit": 2, "wild": True, "ids": [1, 2], "filter": {"age": 3}}
            listed = transport.send(base, wild.operation("listPets"), query=query)
            assert (listed.status, listed.response_body) == (200, [{"id": 7, "name": "Rex"}])
            headers, keys = call_auth(wild.operation("addNote"), constellation.mock_credentials("wild"), None)
            noted = transport.send(base, wild.operation("addNote"), body="hello", query=keys, headers=headers)
            assert (noted.status, noted.response_body) == (200, "noted: hello")
            refused = transport.send(base, wild.operation("addNote"), body="hello", headers=headers)  # no query key
            assert refused.status == 401
        finally:
            transport.close()


def test_a_discriminator_that_is_not_a_string_is_an_issue_not_a_crash_in_3_0(tmp_path):
    """openapi-schema-validator (3.0) raised TypeError on a list there: a 500 schemathesis found
    on corpus discriminators.json. Now a 400's invalid_union_discriminator."""
    pet = {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}}
    union = {"oneOf": [{"$ref": "#/components/schemas/Dog"}], "discriminator": {"propertyName": "kind"}}
    contract, _ = loaded(tmp_path, document({"/p": body_operation("p", union)}, "3.0.3", {"Dog": pet}))
    op = contract.operation("p")
    assert op.request_errors({"kind": "Dog"}) == []
    for odd in (["Dog"], {"a": 1}):
        issues = zod_issues(op.request_errors({"kind": odd}))
        assert [(i["code"], i["path"]) for i in issues] == [("invalid_union_discriminator", ["kind"])]


def test_mutual_tls_sends_no_header_and_is_taken_as_satisfied():
    """Corpus 3.1/json/security.json: a mutualTLS scheme was sent as the header value
    ' <token>' (h11 refused it: no answer at all); plain HTTP on 127.0.0.1 has no client certificate."""
    from odmd_bdd.contracts.security import SecurityScheme, unsatisfied

    mtls, key = SecurityScheme("mtls", "mutualTLS"), SecurityScheme("key", "apiKey", location="header", parameter="K")
    assert mtls.present("tok") == ({}, [], {})
    assert unsatisfied([(mtls,)], lambda s: False) is None
    assert unsatisfied([(mtls, key)], lambda s: False) is not None  # the other scheme still counts
    assert unsatisfied([(mtls, key)], lambda s: s is key) is None


def test_a_repeated_enum_value_in_3_0_loads_and_a_drafted_value_fits_the_enum(tmp_path):
    """Corpus 3.0/json/schema-enums.json: OpenAPI 3.0's Schema Object follows JSON Schema Wright
    draft 00, where enum values SHOULD (not MUST) be unique: the document loads and its enum
    checks instances as written. The drafter takes the first enum value of the schema's type."""
    from odmd_bdd.tools.add_service import draft_cases

    dup = {"type": "number", "enum": ["", "", 0, 2, 2]}
    body = {"type": "object", "required": ["n"], "properties": {"n": dup}}
    doc = document({"/e": body_operation("e", body)}, "3.0.3")
    contract, path = loaded(tmp_path, doc)
    op = contract.operation("e")
    assert op.request_errors({"n": 2}) == [] and [e.validator for e in op.request_errors({"n": 1})] == ["enum"]
    assert draft_cases("t", contract, path).cases["e"]["request"]["body"] == {"n": 0}
    dup["enum"] = "not a list"  # still checked as a schema: a non-list enum is refused
    with pytest.raises(Exception, match=r"/properties/n/enum: not a valid JSON Schema"):
        load_artifact(written(tmp_path, doc, "bad.json"))


def test_a_discriminator_mapping_value_may_be_a_bare_schema_name_in_3_0(tmp_path):
    """Corpus 3.0/json/discriminators.json /mapping-of-schema-names: `mapping: {"Option One":
    "OptionOne"}` names #/components/schemas/OptionOne (schema names or references, the spec says)."""
    one = {"type": "object", "required": ["d"], "properties": {"d": {"type": "string"}, "n": {"type": "number"}}}
    two = {"type": "object", "required": ["d"], "properties": {"d": {"type": "string"}, "s": {"type": "string"}}}
    union = {
        "oneOf": [{"$ref": "#/components/schemas/OptionOne"}, {"$ref": "#/components/schemas/OptionTwo"}],
        "discriminator": {"propertyName": "d", "mapping": {"Option One": "OptionOne", "Option Two": "OptionTwo"}},
    }
    options = {"OptionOne": one, "OptionTwo": two}
    contract, _ = loaded(tmp_path, document({"/p": body_operation("p", union, method="patch")}, "3.0.3", options))
    op = contract.operation("p")
    assert op.request_errors({"d": "Option One", "n": 1.5}) == []
    assert [e.message for e in op.request_errors({"d": "Option Two", "s": 1})] == ["1 is not of type 'string'"]


def test_an_optional_body_left_out_is_not_checked_but_a_null_sent_is(tmp_path):
    """The enver's answer (localenv.app.answer_for, what its server runs): an optional JSON body
    left out reaches the dataset (here: no case, 404); a JSON `null` sent where the schema wants
    an object is a 400, as any other body that breaks the schema."""
    from odmd_bdd.localenv.app import answer_for

    contract, _ = loaded(tmp_path, document({"/p": body_operation("p", {"type": "object"})}))
    op = contract.operation("p")
    left_out, _ = answer_for(op, [], set(), {}, b"", {}, {})
    assert left_out.status == 404, left_out
    sent_null, _ = answer_for(op, [], set(), {"content-type": "application/json"}, b"null", {}, {})
    assert sent_null.status == 400, sent_null
    assert sent_null.body["issues"][0]["path"] == [], sent_null.body
