"""`odmd-bdd project`: each service's MOCK_ENVER_CONTEXT.md, deterministic and complete."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONSTELLATION_FILE, ROOT
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.tools.project import FILE_NAME, project


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def projected(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("projections")
    project(CONSTELLATION_FILE, out)
    return out


def test_one_context_file_per_service(projected, reference_constellation):
    assert sorted(_tree(projected)) == sorted(f"{s}/{FILE_NAME}" for s in reference_constellation.services)


def test_output_is_deterministic_and_independent_of_where_the_project_lives(projected, tmp_path):
    # Twice from the same files: identical bytes.
    again = tmp_path / "again"
    project(CONSTELLATION_FILE, again)
    assert _tree(again) == _tree(projected)
    # From a copy of the fixtures elsewhere: still identical (no absolute paths, no timestamps).
    shutil.copytree(ROOT / "fixtures", tmp_path / "elsewhere" / "fixtures")
    moved = tmp_path / "moved"
    project(tmp_path / "elsewhere/fixtures/envers/constellation.yaml", moved)
    assert _tree(moved) == _tree(projected)


def test_every_case_of_the_service_with_its_exact_examples_in_dataset_order(projected, reference_constellation):
    dataset = reference_constellation.dataset
    for service in reference_constellation.services:
        text = (projected / service / FILE_NAME).read_text(encoding="utf-8")
        own = [c for c in dataset.cases.values() if c.service == service]
        headings = re.findall(r"^#### (\S+) ", text, flags=re.M)
        assert headings == [c.ref for c in own], service
        for case in own:
            section = text.split(f"#### {case.ref} ", 1)[1].split("\n#### ", 1)[0]
            if "body" in case.request:
                assert json.dumps(case.request["body"], indent=2, sort_keys=True) in section
            if "body" in case.response:
                assert json.dumps(case.response["body"], indent=2, sort_keys=True) in section
            assert f"Response: **{case.status}**" in section
            for event in case.events:
                assert f"Event `{event['message']}`" in section
                assert json.dumps(event["payload"], indent=2, sort_keys=True) in section


def test_routes_events_journeys_and_constants_of_key_service(projected):
    text = (projected / "key-service" / FILE_NAME).read_text(encoding="utf-8")
    assert (
        "| POST | `/key/register` | `registerKey` | Register an entity's public key | `bearerAuth` (http bearer) "
        "| 201, 400, 401, 409 |"
    ) in text
    assert (
        "| `KeyRegistered` | `key-service.key-registered` | `key-service-key-registered` | "
        "A public key was registered for an entity | UC1.register_root_key |"
    ) in text
    assert "| base URL (SSM) | `/odmd-share/key-service/b..mock/keyApiBaseUrl` |" in text
    assert re.search(r"\| openapi artifact \| `contracts/key-service.openapi.json` @ `sha256:[0-9a-f]{16}` \|", text)
    assert "| 2 | **UC1.register_root_key** | key-service |" in text and "| 1 | UC1.login | identity-service |" in text
    # Mock credentials are shown (the service team needs them) and marked as mock values.
    assert "| `AUTH_JWT_TOKEN` | `mock_auth_jwt_token_for_testing` | mock credential |" in text
    assert re.search(
        r"^\| `ROOT_ENTITY_ID` \| `550e8400-e29b-41d4-a716-446655440001` \|  \| "
        r"certificate-service, chain-service, identity-service, jwks-service \|$",
        text,
        flags=re.M,
    )
    constants = re.findall(r"^\| `([A-Z0-9_]+)` \|", text.split("## Shared constants", 1)[1], flags=re.M)
    assert constants == sorted(constants) and "TEMP_TOKEN" not in constants  # only what its cases use


def test_a_service_without_events_or_asyncapi_says_so(projected):
    text = (projected / "jwks-service" / FILE_NAME).read_text(encoding="utf-8")
    assert "jwks-service publishes no events." in text
    assert "asyncapi artifact" not in text


def test_command_line_writes_the_files_and_bad_input_exits_2(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "project", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    services = Constellation.load(CONSTELLATION_FILE).services
    assert proc.stdout.splitlines() == [str(out / s / FILE_NAME) for s in sorted(services)]
    proc = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "project", "--constellation", "nowhere.yaml", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "cannot read the constellation file" in proc.stderr
