"""The QA authoring tools: `odmd-bdd steps`, `odmd-bdd lint` and `odmd-bdd new`.

Every lint check is shown to fire on a fault planted in a copy of the project (and on
nothing else), with the file and line of the fault; the scaffold of `new` is linted and run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, replace_in
from odmd_bdd.tools.cli import main

UC1 = "features/uc1_authentication_key_entity.feature"
UC2 = "features/uc2_entity_data_relationship.feature"
UC3 = "features/uc3_relationship_privacy_protection.feature"
DECORATOR = re.compile(r"^@(given|when|then)\(", re.MULTILINE)


def run_cli(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, (out.out + out.err).splitlines()


def line_of(path: Path, text: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `text`."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(hits) >= nth, f"{text!r} not found {nth} time(s) in {path}"
    return hits[nth - 1]


# --- lint ---------------------------------------------------------------------------------------


def test_shipped_features_lint_clean(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, lines = run_cli(capsys, "lint")
    count = len(list((ROOT / "features").glob("*.feature")))
    assert code == 0, "\n".join(lines)
    assert len(lines) == 1
    assert re.fullmatch(rf"odmd-bdd lint: {count} feature files, \d+ scenarios, \d+ steps: no problems", lines[0])


def test_unfaulted_copy_lints_clean(project, capsys):
    code, lines = run_cli(capsys, "lint")
    assert code == 0, "\n".join(lines)


# (what, file, old, new, the line that carries the fault, the message after "file:line: ")
FAULTS = [
    pytest.param(
        UC2,
        "When the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service\n    Then",
        "When the user linkz ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service\n    Then",
        "the user linkz",
        "no step definition matches 'When the user linkz ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with "
        "chain-service' — did you mean 'When the user links {child} under {parent} with chain-service'? "
        "(odmd-bdd steps lists them all)",
        id="step-typo",
    ),
    pytest.param(
        UC1,
        "without a session token\n    Then the request is refused as unauthorized",
        "without a session token\n    Given the request is refused as unauthorized",
        "Given the request is refused as unauthorized",
        "no step definition matches 'Given the request is refused as unauthorized': it is a Then step — "
        "write it as Then (or And after one)",
        id="step-of-another-type",
    ),
    pytest.param(
        UC2,
        "${CHILD_LOCALE} on the profile",
        "${CHILD_LOCALLE} on the profile",
        "CHILD_LOCALLE",
        "unknown constant ${CHILD_LOCALLE} — did you mean ${CHILD_LOCALE}? (constants are defined in <dataset>)",
        id="unknown-constant",
    ),
    pytest.param(
        UC2,
        "  @smoke\n",
        "  @smoek\n",
        "@smoek",
        "unknown tag @smoek — did you mean @smoke? (tags are pytest markers: register new ones in "
        "pyproject.toml's markers)",
        id="unknown-tag",
    ),
    pytest.param(
        UC2,
        "Scenario: Linking the same child twice is refused as a conflict",
        "Scenario: Reading an unknown entity is refused as not found",
        "Scenario: Reading an unknown entity is refused as not found",
        "duplicate scenario name 'Reading an unknown entity is refused as not found' (first at line <first>): "
        "pytest-bdd keeps only one of them, the other never runs",
        id="duplicate-scenario",
    ),
    pytest.param(
        UC3,
        "Scenario: A pseudonym for an unknown entity is refused as not found",
        "Scenario: A child entity with a malformed ID is rejected, naming the field",
        "Scenario: A child entity with a malformed ID is rejected, naming the field",
        "scenario 'A child entity with a malformed ID is rejected, naming the field' gets the same test name "
        "test_a_child_entity_with_a_malformed_id_is_rejected_naming_the_field as 'A child entity with a "
        "malformed ID is rejected, naming the field' in " + UC2 + ":<other>: -k, JUnit and Allure cannot "
        "tell them apart; rename one",
        id="same-test-name-across-features",
    ),
    pytest.param(
        UC2,
        "    Then the request is refused as a conflict",
        "    Thne the request is refused as a conflict",
        "Thne the request",
        "syntax error: 'Thne the request is refused as a conflict' is not a step, a tag, a comment or a "
        "Scenario line — did you mean 'Then'?",
        id="syntax-error",
    ),
    pytest.param(
        UC1,
        "constant of the master mock dataset.\n",
        "constant of the master mock dataset.\n  Given the user is logged in to identity-service\n",
        "Given the user is logged in to identity-service",
        "'Given the user is logged in to identity-service' is outside any scenario or background, so it is "
        "read as description text and never runs: put it under a Scenario: or Background: line",
        id="step-outside-a-scenario",
    ),
    pytest.param(
        UC1,
        "  Scenario: A logged-in user refreshes the session with the refresh token\n"
        "    Given the user is logged in to identity-service\n"
        "    When the client sends the dataset case UC1.refresh_session\n",
        "  Scenario Outline: A logged-in user refreshes the session with the refresh token\n"
        "    Given the user is logged in to identity-service\n"
        "    When the client sends the dataset case <kase>\n",
        "Scenario Outline: A logged-in user",
        "scenario outline 'A logged-in user refreshes the session with the refresh token' uses <kase> but has "
        "no Examples table",
        id="placeholder-without-examples",
    ),
    pytest.param(
        UC1,
        "    When the client sends the dataset case UC1.refresh_session\n",
        "    When the client sends the dataset case UC1.refresh_sesion\n",
        "UC1.refresh_sesion",
        "no dataset case 'UC1.refresh_sesion' — did you mean UC1.refresh_session?",
        id="unknown-dataset-case",
    ),
    pytest.param(
        UC1,
        "Then the key ${ROOT_KEY_ID} is registered",
        "Then the key key_root_0001 is registered",
        "Then the key key_root_0001",
        "the literal 'key_root_0001' is the value of ${ROOT_KEY_ID}: write ${ROOT_KEY_ID} instead",
        id="literal-of-a-constant",
    ),
    pytest.param(
        UC1,
        "with the temporary token ${TEMP_TOKEN}",
        "with the temporary token mock_temp_token_12345",
        "with the temporary token mock_temp_token_12345",
        "a literal is the value of ${TEMP_TOKEN}: write ${TEMP_TOKEN} instead",
        id="literal-of-a-secret-is-not-printed",
    ),
]


@pytest.mark.parametrize(("feature", "old", "new", "marker", "message"), FAULTS)
def test_lint_reports_the_planted_fault_with_file_and_line(project, capsys, feature, old, new, marker, message):
    path = project.path / feature
    code, lines = run_cli(capsys, "lint")
    assert code == 0, "\n".join(lines)  # the copy is clean before the fault

    replace_in(path, old, new)
    code, lines = run_cli(capsys, "lint")
    line = line_of(path, marker, nth=2 if "<first>" in message else 1)
    if "<dataset>" in message:
        message = message.replace("<dataset>", str(project.path / "fixtures/dataset/master-mock-dataset.yaml"))
    if "<first>" in message:
        message = message.replace("<first>", str(line_of(path, marker)))
    if "<other>" in message:
        message = message.replace("<other>", str(line_of(project.path / UC2, marker)))
    assert code == 1
    assert lines == [f"{feature}:{line}: {message}", "odmd-bdd lint: 1 problem in 1 of 6 feature files"]


def test_unknown_constant_message_is_the_one_pytest_collection_gives(project, capsys):
    replace_in(project.path / UC2, "${CHILD_LOCALE} on the profile", "${CHILD_LOCALLE} on the profile")
    code, lines = run_cli(capsys, "lint", UC2)
    assert code == 1
    result = project.runpytest_subprocess(UC2, "--collect-only", "-q")
    assert lines[0] in result.stdout.str()


def test_lint_reports_every_fault_at_once_sorted_by_file_and_line(project, capsys):
    path = project.path / UC2
    replace_in(path, "the user reads the entity ${CHILD_ENTITY_ID}", "the user readz the entity ${CHILD_ENTITY_ID}")
    replace_in(path, "@error @api-only", "@error @api_only")
    replace_in(path, "${CHILD_EMAIL} and the locale", "${CHILD_MAIL} and the locale")
    replace_in(project.path / UC1, "${TEMP_TOKEN}", "${TEMP_TOKN}")
    code, lines = run_cli(capsys, "lint", "features/")
    assert code == 1
    where = [line.split(": ", 1)[0] for line in lines[:-1]]
    assert where == [
        f"{UC1}:{line_of(project.path / UC1, 'TEMP_TOKN')}",
        f"{UC2}:{line_of(path, 'CHILD_MAIL')}",
        f"{UC2}:{line_of(path, 'readz')}",
        f"{UC2}:{line_of(path, '@api_only')}",
    ]
    assert "did you mean 'When the user reads the entity {entity} from identity-service'?" in lines[2]
    assert "unknown tag @api_only — did you mean @api-only?" in lines[3]
    assert lines[-1] == "odmd-bdd lint: 4 problems in 2 of 6 feature files"


def test_lint_takes_files_and_folders_and_names_a_missing_one(project, capsys):
    replace_in(project.path / UC1, "${TEMP_TOKEN}", "${TEMP_TOKN}")
    assert run_cli(capsys, "lint", UC2)[0] == 0  # only what it is given
    assert run_cli(capsys, "lint", UC1, UC2)[0] == 1
    code, lines = run_cli(capsys, "lint", "features/nope.feature")
    assert code == 2 and lines == [f"odmd-bdd: {project.path / 'features/nope.feature'}: no such file or folder"]


def test_a_step_with_a_misspelt_keyword_reads_as_a_description(project, capsys):
    path = project.path / UC2
    path.write_text(
        path.read_text(encoding="utf-8") + "\n  Scenario: Typo\n"
        "    Wehn the user reads the entity ${CHILD_ENTITY_ID} from identity-service\n",
        encoding="utf-8",
    )
    code, lines = run_cli(capsys, "lint", UC2)
    assert code == 1
    assert lines[0] == (
        f"{UC2}:{line_of(path, 'Scenario: Typo')}: scenario 'Typo' has no steps: 'Wehn the user reads "
        f"the entity ${{CHILD_ENTITY_ID}} from identity-service' reads as its description — did you "
        f"mean 'When'?"
    )


def test_lint_of_the_project_passes_as_a_command_in_a_fresh_process():
    # Its CPU time is the bench's (bench/run.py, start-up section), not a test's verdict.
    proc = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- layers -------------------------------------------------------------------------------------

QA_STEPS = '''"""Steps a test plants: one module declares its layers, one step overrides them."""

from pytest_bdd import parsers, then, when

from odmd_bdd.tools.authoring import layers

LAYERS = ("api",)


@when(parsers.parse("the user pokes {entity} directly"))
def poke(actor, entity):
    """Pokes an entity through the API only.

    Second paragraph: not in the catalog."""


@then("the poke shows on the page")
@layers("gui")
def poke_shows():
    pass
'''


def test_lint_reports_a_scenario_that_would_run_on_a_layer_its_steps_do_not_support(project, capsys):
    (project.path / "steps" / "qa_steps.py").write_text(QA_STEPS, encoding="utf-8")
    path = project.path / UC2
    replace_in(
        path,
        "    When the user reads the entity ${UNKNOWN_ENTITY_ID} from identity-service\n",
        "    When the user pokes ${UNKNOWN_ENTITY_ID} directly\n",
    )
    code, lines = run_cli(capsys, "lint", UC2)
    line = line_of(path, "the user pokes")
    assert code == 1
    assert lines[0] == (
        f"{UC2}:{line}: scenario 'Reading an unknown entity is refused as not found' would run on the "
        f"gui layer, which some of its steps do not support (line {line}: api only "
        f"(steps/qa_steps.py)); tag it @api-only"
    )
    replace_in(
        path,
        "  @error\n  Scenario: Reading an unknown entity",
        "  @error @api-only\n  Scenario: Reading an unknown entity",
    )
    assert run_cli(capsys, "lint", UC2)[0] == 0


def test_an_unknown_layer_in_a_declaration_is_one_clear_error(project, capsys):
    (project.path / "steps" / "qa_steps.py").write_text(QA_STEPS.replace('("api",)', '("apii",)'), encoding="utf-8")
    code, lines = run_cli(capsys, "steps")
    assert code == 2
    assert lines == [
        f"odmd-bdd: {project.path / 'steps' / 'qa_steps.py'}: LAYERS: layers must name one or more "
        f"of api, gui, not ('apii',)"
    ]


# --- steps --------------------------------------------------------------------------------------


def catalog(capsys, *args: str) -> dict:
    code, lines = run_cli(capsys, "steps", "--format", "json", *args)
    assert code == 0, "\n".join(lines)
    return json.loads("\n".join(lines))


def entry(data: dict, keyword: str, pattern: str) -> dict:
    found = [s for s in data["steps"] if s["keyword"] == keyword and s["pattern"] == pattern]
    assert len(found) == 1, f"{keyword} {pattern!r}: {len(found)} entries"
    return found[0]


def test_steps_lists_every_step_definition_with_an_example_where_one_exists(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    data = catalog(capsys)
    decorators = sum(len(DECORATOR.findall(p.read_text(encoding="utf-8"))) for p in (ROOT / "steps").glob("*.py"))
    assert data["count"] == len(data["steps"]) == decorators
    order = {"Given": 0, "When": 1, "Then": 2, "Step": 3}
    keys = [(order[s["keyword"]], s["pattern"]) for s in data["steps"]]
    assert keys == sorted(keys)

    send = entry(data, "When", "the client sends the dataset case {ref}")
    assert send["parameters"] == [{"name": "ref", "type": "text"}]
    assert send["module"] == "steps.common_steps" and send["source"].startswith("steps/common_steps.py:")
    assert send["doc"].startswith("Send a dataset case's request as it stands;")
    assert send["layers"] == ["api", "gui"]
    assert send["example"]["line"].startswith("When the client sends the dataset case UC")
    file, line = send["example"]["where"].rsplit(":", 1)
    text = send["example"]["line"].split(" ", 1)[1]
    assert text in (ROOT / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]

    refused = entry(data, "Then", "the request is refused as unauthorized")
    assert refused["parameters"] == [] and refused["parser"] == "string"
    assert refused["example"]["line"] == "Then the request is refused as unauthorized"

    link = entry(data, "When", "the user links {child} under {parent} with chain-service")
    assert [p["name"] for p in link["parameters"]] == ["child", "parent"]
    assert (
        link["example"]["line"] == "When the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service"
    )

    a_event = entry(data, "Then", "a {message} event is published for {value}")
    an_event = entry(data, "Then", "an {message} event is published for {value}")
    assert a_event["source"] == an_event["source"]  # one function, two patterns
    assert an_event["example"]["line"].startswith("Then an ")  # an `And` step is shown with its type


def test_steps_shows_layers_docs_and_no_example_for_an_unused_step(project, capsys):
    (project.path / "steps" / "qa_steps.py").write_text(QA_STEPS, encoding="utf-8")
    data = catalog(capsys)
    poke = entry(data, "When", "the user pokes {entity} directly")
    assert poke == {
        "keyword": "When",
        "pattern": "the user pokes {entity} directly",
        "parser": "parse",
        "parameters": [{"name": "entity", "type": "text"}],
        "doc": "Pokes an entity through the API only.",
        "module": "steps.qa_steps",
        "source": "steps/qa_steps.py:10",
        "layers": ["api"],
        "example": None,
    }
    assert entry(data, "Then", "the poke shows on the page")["layers"] == ["gui"]

    replace_in(
        project.path / UC2,
        "When the user reads the entity ${UNKNOWN_ENTITY_ID} from identity-service",
        "When the user pokes ${UNKNOWN_ENTITY_ID} directly",
    )
    poke = entry(catalog(capsys), "When", "the user pokes {entity} directly")
    assert poke["example"] == {
        "line": "When the user pokes ${UNKNOWN_ENTITY_ID} directly",
        "where": f"{UC2}:{line_of(project.path / UC2, 'the user pokes')}",
    }


def test_steps_markdown_is_deterministic_and_goes_to_a_file(project, capsys):
    out = project.path / "catalog.md"
    code, lines = run_cli(capsys, "steps", "--out", str(out))
    assert code == 0 and lines == [f"odmd-bdd steps: {catalog(capsys)['count']} step definitions written to {out}"]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Step catalog\n")
    assert "## Given\n" in text and text.index("## Given") < text.index("## When") < text.index("## Then")
    assert "### `When the client sends the dataset case {ref}`\n" in text
    assert "- example: `When the client sends the dataset case UC" in text
    assert "- parameters: child, parent\n" in text
    run_cli(capsys, "steps", "--out", str(project.path / "again.md"))
    assert (project.path / "again.md").read_text(encoding="utf-8") == text


# --- new ----------------------------------------------------------------------------------------


def test_new_scaffold_for_uc2_lints_clean_and_runs_green(project, capsys):
    code, lines = run_cli(capsys, "new", "UC2", "--out", "features/")
    path = project.path / "features" / "uc2_entity_creation_data_management_relationship.feature"
    assert code == 0, "\n".join(lines)
    assert lines[0] == (
        f"odmd-bdd new: wrote {path.relative_to(project.path)}: 4 scenarios for the 4 dataset steps "
        f"and 3 error cases of UC2"
    )
    text = path.read_text(encoding="utf-8")
    assert "@uc2 @mock-only\nFeature: UC2 — Entity creation → data management → relationship\n" in text
    assert "  Background:\n    Given the user is logged in to identity-service\n" in text
    steps = ["create_child_entity", "update_child_profile", "read_child_entity", "link_child_under_root"]
    sends = re.findall(r"^    (?:When|And) the client sends the dataset case (UC2\.\w+)$", text, re.MULTILINE)
    assert sends[:4] == [f"UC2.{s}" for s in steps]  # the happy path, in dataset order
    for ref in sends:
        assert f"the answer matches the dataset case {ref}\n" in text
    assert "    And an EntityCreated event is published for ${CHILD_ENTITY_ID}\n" in text
    assert text.count("  @error") == 3
    # the duplicate link error comes `after` the first link: the scaffold sends that first
    assert re.search(
        r"Scenario: UC2 error: link child under root twice \(409\)\n"
        r"    When the client sends the dataset case UC2\.link_child_under_root\n",
        text,
    )

    assert run_cli(capsys, "lint")[0] == 0
    result = project.runpytest_subprocess(str(path), "--layer", "api")
    result.assert_outcomes(passed=4)


def test_new_scaffold_really_runs_its_checks(project, capsys):
    """The green run above is not vacuous: a wrong expectation in the scaffold fails it."""
    run_cli(capsys, "new", "UC2")
    path = project.path / "features" / "uc2_entity_creation_data_management_relationship.feature"
    replace_in(
        path,
        "Then the answer matches the dataset case UC2.read_child_entity",
        "Then the answer matches the dataset case UC2.create_child_entity",
    )
    result = project.runpytest_subprocess(str(path), "--layer", "api")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*the answer differs from dataset case UC2.create_child_entity*"])


def test_new_refuses_an_existing_file_unless_forced(project, capsys):
    assert run_cli(capsys, "new", "UC3")[0] == 0
    path = project.path / "features" / "uc3_relationships_privacy_protection.feature"
    path.write_text("# edited by hand\n", encoding="utf-8")
    code, lines = run_cli(capsys, "new", "uc3")
    assert code == 1 and lines == [
        f"odmd-bdd new: {path.relative_to(project.path)} exists; pass --force to overwrite it"
    ]
    assert path.read_text(encoding="utf-8") == "# edited by hand\n"
    assert run_cli(capsys, "new", "UC3", "--force")[0] == 0
    assert path.read_text(encoding="utf-8").count("Scenario:") == 4


def test_new_names_an_unknown_use_case_and_the_closest(project, capsys):
    code, lines = run_cli(capsys, "new", "UC22")
    assert code == 2
    assert lines[0].startswith("odmd-bdd: ") and "has no use case UC22 — did you mean UC2?" in lines[0]


def test_new_scaffolds_for_every_use_case_lint_clean(project, capsys):
    for uc in ("UC1", "UC3", "UC4", "UC5", "UC6"):
        code, lines = run_cli(capsys, "new", uc, "--out", "scaffolds/")
        assert code == 0, "\n".join(lines)
    code, lines = run_cli(capsys, "lint", "scaffolds/")
    assert code == 0, "\n".join(lines)
