"""`odmd-bdd checkpoint` against the embedded local enver, all parts real.

One enver for the module (resolved the way the features resolve it: published into the
embedded AWS and read back through /odmd-share). The baseline checkpoint runs every
feature once on both layers; the later checks run only UC1's feature for key-service,
which is what they are about, to keep the module's time down.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from odmd_bdd.errors import OdmdError
from odmd_bdd.localenv import Fault
from odmd_bdd.localenv.publish import publish_local_enver
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.tools.checkpoint import Confirmations, append_record, build_report, collect, new_record, render_markdown
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.model import (
    COMPLETE,
    DONE,
    FAIL,
    NEEDS_VALIDATION,
    NOT_APPLICABLE,
    PASS,
    REGRESSED,
    Item,
    current_phase,
)
from odmd_bdd.tools.checkpoint.phases import phase_0a

CONFIRMATIONS = ROOT / "fixtures" / "phase-confirmations.yaml"
UC1 = ROOT / "features" / "uc1_authentication_key_entity.feature"
WHEN = dt.datetime(2026, 1, 31, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def baseline(reference_constellation, enver, tmp_path_factory):
    """The full checkpoint: every service, every feature, both layers."""
    enver.local.faults.clear()
    allure = tmp_path_factory.mktemp("allure")
    return collect(reference_constellation, enver, features=ROOT / "features", allure_dir=allure, cwd=ROOT)


@pytest.fixture
def confirmations_copy(tmp_path) -> Path:
    """A temporary copy of the versioned confirmations file (the real one is never written)."""
    copy = tmp_path / "phase-confirmations.yaml"
    shutil.copy(CONFIRMATIONS, copy)
    return copy


def key_service_only(constellation, enver) -> object:
    return collect(constellation, enver, services=["key-service"], features=UC1, cwd=ROOT)


# --- the acceptance ------------------------------------------------------------------------


def test_every_service_is_0a_done_and_0b_needs_validation(baseline, reference_constellation, enver):
    report = build_report(baseline, Confirmations.load(CONFIRMATIONS))
    assert list(baseline.services) == sorted(reference_constellation.services)
    for service, phases in report.statuses.items():
        assert phases["0A"].code == DONE, (service, phases["0A"].text)
        assert phases["0B"].code == NEEDS_VALIDATION, (service, phases["0B"].text)
        assert phases["0B"].text == "⚠️ NEEDS_VALIDATION"
        assert phases["1A"].code == NOT_APPLICABLE and "dev enver (b..dev)" in phases["1A"].text
        assert not baseline.phase_evidence(service, "1A").items  # never ✔ on a mock enver
    assert report.ok
    assert baseline.bdd["counts"]["api"].get("failed", 0) == 0 and baseline.bdd["counts"]["gui"]["passed"] > 0


def test_items_carry_their_evidence(baseline, enver):
    key = baseline.services["key-service"]
    assert [i.id for i in key["0A"].items] == ["base-url-published", "base-url-reachable", "schema-artifact-published"]
    assert [i.id for i in key["0B"].items] == [
        "artifact-valid",
        "invalid-request-400",
        "valid-request-2xx",
        "projection-covers",
        "bdd-api",
        "bdd-gui",
    ]
    assert all(i.outcome == PASS and i.evidence for p in ("0A", "0B") for i in key[p].items)
    evidence = {i.id: "\n".join(i.evidence) for p in ("0A", "0B") for i in key[p].items}
    # which artifact version: the exact S3 versions the enver resolved
    for artifact in enver.services["key-service"].artifacts:
        assert f"{artifact.address} version {artifact.version}" in evidence["schema-artifact-published"]
    assert (
        "/odmd-share/key-service/b..mock/keyApiBaseUrl = " + enver.services["key-service"].base_url
        in evidence["base-url-published"]
    )
    # what was requested and what came back
    assert "POST /key/register without the required field" in evidence["invalid-request-400"]
    assert "→ 400, issues: invalid_type at" in evidence["invalid-request-400"]
    assert "POST /key/register (UC1.register_root_key)" in evidence["valid-request-2xx"]
    assert "→ 201, body matches the response schema; equals the dataset's answer" in evidence["valid-request-2xx"]
    assert "'A user logs in, registers the root key and creates the root entity'" in evidence["bdd-api"]
    assert "mock_temp_token_12345" not in json.dumps(baseline.bdd) + str(evidence)  # credentials masked


def test_a_confirmation_turns_one_service_complete(baseline, confirmations_copy):
    before = confirmations_copy.read_text(encoding="utf-8")
    record = new_record(baseline.phase_evidence("key-service", "0B"), baseline.enver, "Ada QA", now=WHEN)
    written = append_record(confirmations_copy, record)
    assert confirmations_copy.read_text(encoding="utf-8") == before + written  # header kept, record appended
    report = build_report(baseline, Confirmations.load(confirmations_copy))
    assert report.statuses["key-service"]["0B"].code == COMPLETE
    assert report.statuses["key-service"]["0B"].text == "✅ COMPLETE (confirmed by Ada QA on 2026-01-31)"
    others = {s: p["0B"].code for s, p in report.statuses.items() if s != "key-service"}
    assert set(others.values()) == {NEEDS_VALIDATION}
    assert "| key-service | ✅ DONE | ✅ COMPLETE (confirmed by Ada QA on 2026-01-31) | — N/A |" in render_markdown(
        report
    )
    assert CONFIRMATIONS.read_text(encoding="utf-8") == before  # the versioned file is untouched


def test_a_planted_fault_turns_the_confirmed_phase_back_naming_the_failing_item(
    baseline, reference_constellation, enver, confirmations_copy
):
    append_record(
        confirmations_copy, new_record(baseline.phase_evidence("key-service", "0B"), baseline.enver, "Ada QA", now=WHEN)
    )
    confirmations = Confirmations.load(confirmations_copy)
    # Only an invalid request is accepted: valid ones still answer as the dataset says.
    enver.local.faults.replace([Fault(operation="key-service.registerKey", when_status=400, status=200)])
    try:
        faulty = key_service_only(reference_constellation, enver)
    finally:
        enver.local.faults.clear()
    status = build_report(faulty, confirmations).statuses["key-service"]["0B"]
    assert status.code == REGRESSED
    # The fault is named first; the feature that sends a malformed body fails with it, and a
    # valid request is still answered as the dataset says.
    assert status.text.startswith("⚠️ REGRESSED since confirmation by Ada QA on 2026-01-31: items invalid-request-400,")
    valid = next(i for i in faulty.phase_evidence("key-service", "0B").items if i.id == "valid-request-2xx")
    assert valid.outcome != FAIL, valid.evidence
    invalid = next(i for i in faulty.phase_evidence("key-service", "0B").items if i.id == "invalid-request-400")
    assert invalid.outcome == FAIL
    assert any(
        "POST /key/register without the required field" in line and "→ 200 (expected 400)" in line
        for line in invalid.evidence
    ), invalid.evidence

    # The fault gone, a new run gives the confirmed digest again: ✅ COMPLETE once more.
    healed = key_service_only(reference_constellation, enver)
    assert healed.phase_evidence("key-service", "0B").digest == baseline.phase_evidence("key-service", "0B").digest
    assert build_report(healed, confirmations).statuses["key-service"]["0B"].code == COMPLETE


def test_changed_evidence_regresses_even_when_every_item_holds(baseline, confirmations_copy):
    record = new_record(baseline.phase_evidence("key-service", "0B"), baseline.enver, "Ada QA", now=WHEN)
    record["evidence"]["inputs"]["artifact.openapi"] = "sha256:" + "0" * 64
    record["evidence_digest"] = "sha256:" + "1" * 64
    append_record(confirmations_copy, record)
    status = build_report(baseline, Confirmations.load(confirmations_copy)).statuses["key-service"]["0B"]
    assert status.code == REGRESSED
    assert "the evidence changed (input artifact.openapi: sha256:000000000000… → sha256:" in status.text


# --- the digest --------------------------------------------------------------------------------


def test_the_digest_ignores_artifact_versions_ports_and_evidence_text(baseline, reference_constellation, enver):
    ctx = ProbeContext(reference_constellation, enver)
    try:
        _, before = phase_0a(ctx, "key-service")
        publish_local_enver(enver.aws, reference_constellation, enver.local, enver.spec.revision, state_machine=False)
        _, after = phase_0a(ctx, "key-service")
    finally:
        ctx.close()
    assert [d.version for d in before] != [d.version for d in after]  # new S3 VersionIds (bundle included)
    assert [d.content_digest for d in before] == [d.content_digest for d in after]

    phase = baseline.phase_evidence("key-service", "0B")
    moved = dataclasses.replace(
        phase,
        items=[
            dataclasses.replace(i, evidence=[f"{line} on another port" for line in i.evidence]) for i in phase.items
        ],
    )
    assert moved.digest == phase.digest
    flipped = dataclasses.replace(phase, items=[Item(phase.items[0].id, "", FAIL)] + phase.items[1:])
    assert flipped.digest != phase.digest


# --- confirmations are a person's act ------------------------------------------------------------


def test_a_confirmation_needs_every_item_to_hold_and_never_covers_0a(baseline):
    holding = baseline.phase_evidence("key-service", "0B")
    failing = dataclasses.replace(holding, items=[Item("invalid-request-400", "t", FAIL, ["→ 200 (expected 400)"])])
    with pytest.raises(OdmdError, match="cannot be confirmed: invalid-request-400 fails"):
        new_record(failing, "local", "Ada QA")
    with pytest.raises(OdmdError, match="0A is automatic"):
        new_record(baseline.phase_evidence("key-service", "0A"), "local", "Ada QA")
    with pytest.raises(OdmdError, match="not checked on enver"):
        new_record(baseline.phase_evidence("key-service", "1A"), "local", "Ada QA")


def test_the_versioned_confirmations_file_has_a_header_and_no_records(tmp_path):
    text = CONFIRMATIONS.read_text(encoding="utf-8")
    assert text.startswith("# Phase confirmations") and yaml.safe_load(text) is None
    assert Confirmations.load(CONFIRMATIONS).records == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {service: key-service, phase: 0A, enver: local, revision: b..mock, confirmed_by: x, "
        "confirmed_at: '2026-01-01', evidence_digest: sha256:0}\n",
        encoding="utf-8",
    )
    with pytest.raises(OdmdError, match="record 1: phase 0A is automatic"):
        Confirmations.load(bad)
    bad.write_text("- {service: key-service, phase: 0B}\n", encoding="utf-8")
    with pytest.raises(OdmdError, match="record 1: lacks enver, revision, confirmed_by"):
        Confirmations.load(bad)


# --- other phases -----------------------------------------------------------------------------


def test_the_enver_revision_decides_the_phase():
    assert [current_phase(r) for r in ("b..mock", "b..dev", "b..main", "t..v1")] == ["0", "1", "2+", None]


def test_a_mock_seen_as_a_dev_enver_is_phase_1a_in_progress_because_it_still_answers_mocks(
    reference_constellation, enver
):
    """The module's enver under a b..dev revision: nothing is published there (0A fails), 0B is
    not checked, and 1A fails because every answer and event is still the mock dataset's."""
    dev = Enver(
        spec=dataclasses.replace(enver.spec, revision="b..dev"),
        services=enver.services,
        aws_client=enver.aws_client,
        web_client_url=enver.web_client_url,
    )  # a view: nothing to close
    evidence = collect(reference_constellation, dev, services=["key-service"], cwd=ROOT)
    report = build_report(evidence, Confirmations.load(CONFIRMATIONS))
    statuses = report.statuses["key-service"]
    assert statuses["0B"].code == NOT_APPLICABLE and "mock enver (b..mock)" in statuses["0B"].text
    assert statuses["0A"].text.startswith("🟠 IN_PROGRESS: items base-url-published")
    assert statuses["1A"].text == "🟠 IN_PROGRESS: items real-answers, real-events fail"
    items = {i.id: "\n".join(i.evidence) for i in evidence.phase_evidence("key-service", "1A").items}
    assert "exactly the mock dataset's answer: still mocked" in items["real-answers"]
    assert "KeyRegistered on " in items["real-events"] and "exactly the mock dataset's payload" in items["real-events"]


# --- the command line ---------------------------------------------------------------------------


def test_the_command_writes_markdown_json_and_an_allure_result_and_digests_hold_across_runs(
    baseline, tmp_path, confirmations_copy
):
    """A separate process with its own embedded enver (other ports, other S3 versions) finds the
    evidence the baseline confirmed: the digest is the same across runs."""
    append_record(
        confirmations_copy, new_record(baseline.phase_evidence("key-service", "0B"), baseline.enver, "Ada QA", now=WHEN)
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "odmd_bdd.tools.cli",
            "checkpoint",
            "--service",
            "key-service",
            "--features",
            str(UC1.relative_to(ROOT)),
            "--format",
            "json",
            "--out",
            str(out),
            "--confirmations",
            str(confirmations_copy),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert data["table"] == [{"service": "key-service", "0A": DONE, "0B": COMPLETE, "1A": NOT_APPLICABLE}]
    phase = next(p for p in data["services"][0]["phases"] if p["phase"] == "0B")
    assert phase["evidence_digest"] == baseline.phase_evidence("key-service", "0B").digest
    assert phase["confirmation"]["confirmed_by"] == "Ada QA"
    assert json.loads((out / "checkpoint.json").read_text(encoding="utf-8")) == data
    md = (out / "checkpoint.md").read_text(encoding="utf-8")
    assert "| key-service | ✅ DONE | ✅ COMPLETE (confirmed by Ada QA on 2026-01-31) | — N/A |" in md
    assert "- ✔ **invalid request → 400 with Zod-style issues** (`invalid-request-400`)" in md
    results = [json.loads(p.read_text(encoding="utf-8")) for p in (out / "allure-results").glob("*-result.json")]
    checkpoint = [r for r in results if r["fullName"] == "odmd-bdd checkpoint local"]
    assert len(checkpoint) == 1 and len(results) > 1  # beside the feature run's own results
    assert {a["name"] for a in checkpoint[0]["attachments"]} == {"checkpoint.md", "checkpoint.json"}
    for attachment in checkpoint[0]["attachments"]:
        assert (out / "allure-results" / attachment["source"]).exists()
    assert "odmd-bdd checkpoint: enver local (b..mock), 1 services: 1 COMPLETE, 1 DONE, 1 NOT_APPLICABLE" in proc.stderr
