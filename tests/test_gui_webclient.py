"""The web client as the embedded enver serves it: files, config.json, contracts, the GUI fault hook."""

from __future__ import annotations

import httpx
import pytest

from odmd_bdd.localenv import ClientFault
from odmd_bdd.localenv.web import WEB_CLIENT_DIR


@pytest.fixture
def client_faults(local_enver):
    local_enver.web_client.faults.clear()
    yield local_enver.web_client.faults
    local_enver.web_client.faults.clear()


def test_the_client_is_served_under_web_client_with_its_files(local_enver):
    assert local_enver.web_client_url == f"{local_enver.web_url}/web-client/"
    page = httpx.get(local_enver.web_client_url)
    assert page.status_code == 200 and 'data-testid="app"' in page.text
    for name in ("app.js", "app.css"):
        answer = httpx.get(local_enver.web_client_url + name)
        assert answer.status_code == 200 and answer.text == (WEB_CLIENT_DIR / name).read_text(encoding="utf-8")


def test_config_names_every_service_with_its_base_url_and_contract(local_enver, reference_constellation):
    config = httpx.get(local_enver.web_client_url + "config.json").json()
    assert config["services"] == {
        name: {"base_url": url, "contract": f"contracts/{name}.json"} for name, url in local_enver.base_urls.items()
    }
    assert config["session"] == {"storage_key": "odmd.session_token", "token_field": "session_token"}
    assert config["faults"] == []
    contract = httpx.get(local_enver.web_client_url + "contracts/key-service.json").json()
    assert contract == reference_constellation.contracts["key-service"].artifact.document
    assert httpx.get(local_enver.web_client_url + "contracts/nope.json").status_code == 404


def test_config_follows_base_urls_resolved_elsewhere(local_enver):
    try:
        local_enver.web_client.base_urls = {**local_enver.base_urls, "key-service": "http://127.0.0.1:9/key"}
        config = httpx.get(local_enver.web_client_url + "config.json").json()
        assert config["services"]["key-service"]["base_url"] == "http://127.0.0.1:9/key"
    finally:
        local_enver.web_client.base_urls = None


def test_client_faults_reach_config_from_python_and_over_http(local_enver, client_faults):
    client_faults.replace([ClientFault(kind="show", operation="login", field="user_id", value="someone_else")])
    config = httpx.get(local_enver.web_client_url + "config.json").json()
    assert config["faults"] == [{"kind": "show", "operation": "login", "field": "user_id", "value": "someone_else"}]
    url = f"{local_enver.url}/_odmd/web-client/faults"
    put = httpx.put(url, json=[{"kind": "route", "operation": "key-service.registerKey", "path": "/key/registr"}])
    assert put.status_code == 200
    assert httpx.get(local_enver.web_client_url + "config.json").json()["faults"] == [
        {"kind": "route", "operation": "key-service.registerKey", "path": "/key/registr"}
    ]
    assert httpx.delete(url).json() == [] and client_faults.faults() == []


def test_the_text_stale_and_duplicate_faults_reach_config_with_the_fields_they_need(local_enver, client_faults):
    url = f"{local_enver.url}/_odmd/web-client/faults"
    plan = [
        {"kind": "text", "operation": "login", "field": "user_id", "value": None},  # null: the text is empty
        {"kind": "stale", "operation": "createLink", "field": "$status"},
        {"kind": "duplicate", "operation": "login", "testid": "login.submit"},
    ]
    assert httpx.put(url, json=plan).status_code == 200
    assert httpx.get(local_enver.web_client_url + "config.json").json()["faults"] == plan


@pytest.mark.parametrize(
    "fault, message",
    [
        ({"kind": "paint", "operation": "login"}, "unknown client fault kind 'paint'"),
        ({"kind": "route", "operation": "login"}, "a 'route' client fault needs operation and path"),
        (
            {"kind": "duplicate", "operation": "login", "field": "x"},
            "a 'duplicate' client fault needs operation and testid",
        ),
        ({"kind": "stale", "operation": "login"}, "a 'stale' client fault needs operation and field"),
        ({"kind": "show", "operation": "login", "field": "x", "colour": "red"}, "a client fault may have"),
    ],
)
def test_a_bad_client_fault_is_refused_with_the_reason(local_enver, client_faults, fault, message):
    answer = httpx.put(f"{local_enver.url}/_odmd/web-client/faults", json=fault)
    assert answer.status_code == 400 and message in answer.json()["message"]
    assert client_faults.faults() == []
