"""The representative subset of the fault catalog (`make reliability` runs all of it).

Every fault here is planted in a real run of the features; each must be caught on every
layer it can show on, with a message naming it, and the unfaulted run must be green.
"""

from pathlib import Path

import pytest

from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.reliability.catalog import FaultCase, load_catalog
from odmd_bdd.tools.reliability.runner import Outcome, judge, matrix_markdown, run_catalog

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT)


def test_catalog_covers_every_service_both_layers_and_at_least_30_faults():
    assert len(CATALOG) >= 30
    assert len({c.id for c in CATALOG}) == len(CATALOG)
    assert {c.service for c in CATALOG} >= {
        "identity-service",
        "key-service",
        "anonymous-service",
        "chain-service",
        "jwks-service",
        "certificate-service",
        "web-client",
    }
    assert any("api" in c.layers for c in CATALOG) and any("gui" in c.layers for c in CATALOG)


def test_judge_needs_the_layer_and_the_named_fault():
    case = FaultCase("x", "svc", "k", "d", {}, ("f",), "field user_id")
    outcome = Outcome(1, failures={"f::t[api]": "field user_id: expected a, got b", "f::t[gui]": "something else"})
    verdict = judge(case, outcome)
    assert verdict.caught == {"api": "t[api]", "gui": None} and not verdict.ok


def test_representative_faults_are_caught_and_the_baseline_is_green():
    subset = [c for c in CATALOG if c.in_subset]
    said: list[str] = []
    baseline, verdicts = run_catalog(ROOT, subset, progress=said.append)
    assert baseline.exit_code == 0 and not baseline.failures and baseline.passed
    # Progress: done / total and the fault being run, then its verdict.
    total = len(subset)
    assert said[2] == f"[1/{total}] {subset[0].id} on {', '.join(subset[0].features)} …"
    assert said[3].startswith(f"[1/{total}] caught: {subset[0].id} (")
    assert said[-1].startswith(f"[{total}/{total}] caught: {subset[-1].id} (")
    missed = [(v.case.id, v.detail) for v in verdicts if not v.ok]
    assert not missed
    table = matrix_markdown(baseline, verdicts)
    assert "no false alarms" in table and "MISSED" not in table


def test_flakiness_names_the_tests_whose_result_changed():
    from odmd_bdd.tools.reliability.runner import Flakiness

    same = Flakiness(2, [{"a": "passed", "b": "failed"}, {"a": "passed", "b": "failed"}])
    assert same.identical and same.differing() == []
    flaky = Flakiness(3, [{"a": "passed", "b": "passed"}, {"a": "passed", "b": "failed"}, {"a": "passed"}])
    assert not flaky.identical and flaky.differing() == ["b"]


def test_a_bad_catalog_entry_is_one_error_naming_the_file_and_the_entry(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text(
        "faults:\n- {id: a, service: s, kind: k, description: d, plan: {}, features: [f], needle: n}\n"
        "- {id: b, service: s, kind: k, description: d, plan: {}, features: [f], neddle: n}\n",
        encoding="utf-8",
    )
    with pytest.raises(OdmdError) as caught:
        load_catalog(tmp_path, bad)
    assert str(caught.value) == (
        f"{bad}: faults[1]: unknown key(s) neddle; missing needle "
        "(keys: id, service, kind, description, plan, features, needle, layers, args, run_level, in_subset)"
    )
