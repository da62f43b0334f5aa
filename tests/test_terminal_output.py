"""What a person reads in the terminal: a quiet green run, a loud red one (issue #17).

Real runs of the copied project against the embedded enver; a contract violation is planted
with a fault plan (`--odmd-faults`), as the reliability suite plants its faults.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from odmd_bdd.harness import terminal

FEATURE = "features/uc1_authentication_key_entity.feature"
SCENARIO = "A user logs in, registers the root key and creates the root entity"
STEP_LINE = f"{FEATURE}:11"  # When the user registers the root public key ...
PROBLEM = "$.fingerprint: 12345 is not of type 'string'"

# pytest's own lines: the header, one progress line per file, the JUnit note, the closing totals.
_PYTEST_OWN = re.compile(
    r"^(=+ test session starts =+|platform |rootdir: |configfile: |plugins: |collected \d+ items"
    r"|features/\S+\.feature [.FEsxNR]+ +\[ *\d+%\]|-+ generated xml file: .* -+|=+ .*\d+ passed.* in [\d.]+s.* =+)"
)


def _plan(project) -> str:
    plan = project.path / "plan.json"
    plan.write_text(json.dumps({"enver": [{"operation": "key-service.registerKey", "set": {"fingerprint": 12345}}]}))
    return str(plan)


def _section(lines: list[str], title: str) -> list[str]:
    """The lines of one test's failure section ("_ title _" up to the next section)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and title in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("_", "=", "-"))),
        len(lines),
    )
    return lines[start:end]


def test_a_green_run_ends_with_one_line_per_use_case_and_layer_and_no_enver_block(project):
    result = project.runpytest_subprocess("features/")
    assert result.ret == 0
    lines = [line for line in result.stdout.lines if line.strip()]
    extra = [line for line in lines if not _PYTEST_OWN.match(line)]
    assert len(extra) <= 12, "\n".join(extra)
    result.stdout.fnmatch_lines(
        [
            "*- odmd-bdd -*",
            "UC1  api * passed · gui * passed",
            "UC6  api * passed · gui * passed",
            "enver local (b..mock): addresses and artifact versions in the report*s Metadata and Global Attachments (-v prints them)",
        ]
    )
    assert "s3://" not in result.stdout.str() and "base_url" not in result.stdout.str()
    verbose = project.runpytest_subprocess("features/", "--layer", "api", "-k", "tampered", "-v")
    verbose.stdout.fnmatch_lines(
        ["*- odmd-bdd enver -*", "identity-service.artifact.openapi: s3://odmd-local-artifacts/*.openapi.json@*"]
    )


def test_a_planted_contract_violation_shows_scenario_step_and_problem_in_few_lines(project):
    result = project.runpytest_subprocess(FEATURE, "-k", "registers_the_root_key", "--odmd-faults", _plan(project))
    result.assert_outcomes(failed=2)
    lines = result.stdout.lines
    api = _section(lines, "[api]")
    text = "\n".join(api)
    assert len(api) < 15, text
    assert f"Scenario: {SCENARIO} [api]" in text
    assert STEP_LINE in text and "When the user registers the root public key" in text
    assert PROBLEM in text and "contract violation in [api] key-service registerKey" in text
    assert "site-packages" not in text and "def " not in text and "Traceback" not in text
    # -r: the short summary carries the reason, whatever the width of the test id.
    result.stdout.fnmatch_lines(
        [
            "*short test summary info*",
            f"FAILED {FEATURE}::test_*[[]api[]] - contract violation in [[]api[]] key-service registerKey *{PROBLEM}",
            f"FAILED {FEATURE}::test_*[[]gui[]] - contract violation in [[]gui[]] *{PROBLEM}",
            "UC1  api 1 failed · gui 1 failed",
        ]
    )
    # JUnit's message is the harness's message, on both layers, never a traceback line.
    junit = ET.parse(project.path / "reports" / "junit.xml").getroot()
    messages = {c.get("name", "")[-5:]: c.find("failure").get("message") for c in junit.iter("testcase")}
    for layer in ("[api]", "[gui]"):
        assert messages[layer].startswith(f"contract violation in {layer} key-service registerKey"), messages
        assert PROBLEM in messages[layer]


def test_tb_long_still_shows_the_traceback(project):
    result = project.runpytest_subprocess(
        FEATURE, "--layer", "api", "-k", "registers_the_root_key", "--odmd-faults", _plan(project), "--tb=long"
    )
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "def perform(self, action: Action) -> Observation:" in out and "src/odmd_bdd/actors/api.py:" in out
    assert "E           odmd_bdd.errors.ContractViolation: contract violation in [api]" in out


def test_under_xdist_the_reason_reaches_junit_and_the_short_summary(project):
    result = project.runpytest_subprocess(
        FEATURE, "--layer", "api", "-n", "2", "--odmd-faults", _plan(project), "-k", "registers_the_root_key"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"FAILED {FEATURE}::test_*[[]api[]] - contract violation in [[]api[]] *{PROBLEM}"])
    junit = ET.parse(project.path / "reports" / "junit.xml").getroot()
    (failure,) = list(junit.iter("failure"))
    assert failure.get("message", "").startswith("contract violation in [api] key-service registerKey")
    assert "Step:     When the user registers the root public key" in (failure.text or "")


def test_odmd_progress_shows_done_of_total_and_the_current_test_instead_of_dots(pytester):
    pytester.makepyfile(
        test_three="""
        import pytest
        def test_passes(): pass
        def test_fails(): assert 1 == 2
        def test_skips(): pytest.skip("not today")
        def test_deselected(): pass
        """
    )
    result = pytester.runpytest_subprocess("--odmd-progress", "-p", "no:cacheprovider", "-k", "not deselected")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "[[]1/3[]] test_three.py::test_passes PASSED (*s)",
            "[[]2/3[]] test_three.py::test_fails FAILED (*s)",
            "[[]3/3[]] test_three.py::test_skips SKIPPED*",
        ]
    )
    assert "test_three.py .FS" not in result.stdout.str() and "[100%]" not in result.stdout.str()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_the_progress_lines_tell_which_test_ended_how_serially_and_under_xdist(pytester, workers):
    """odmd-bdd mutate reads a layer's progress from these lines (terminal.ended)."""
    pytester.makepyfile(
        test_three="""
        import pytest
        @pytest.mark.parametrize("mutant", ["m0001", "m0002"])
        def test_runs(mutant): assert mutant == "m0001"
        def test_skips(): pytest.skip("not today")
        """
    )
    result = pytester.runpytest_subprocess("--odmd-progress", "-p", "no:cacheprovider", *workers)
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    assert sorted(e for e in map(terminal.ended, result.outlines) if e) == [
        ("FAILED", "test_three.py::test_runs[m0002]"),
        ("PASSED", "test_three.py::test_runs[m0001]"),
        ("SKIPPED", "test_three.py::test_skips"),
    ]
