"""The whole answer, always (issue 13 item 1): every answer of a mock enver is compared in full
with what the Phase 0 rule expects, whether or not a step names the field."""

import copy
import json

import pytest

from conftest import replace_in
from odmd_bdd.checks import phase0, whole_answer
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.errors import DatasetError, OdmdError

UC2 = "features/uc2_entity_data_relationship.feature"


@pytest.fixture(scope="module")
def dataset(reference_constellation):
    return reference_constellation.dataset


def _compare(dataset, ref, actual_body, status=None, secret_path=lambda path: False):
    case = dataset.case(ref)
    expected = phase0.Phase0Answer(case.status, copy.deepcopy(case.response.get("body")), case)
    names = whole_answer.ValueNames(dataset.constants, secret_path)
    return [str(p) for p in whole_answer.answer(status or case.status, actual_body, expected, names)]


def test_another_constants_value_names_path_expected_constant_and_the_actual_constant(dataset):
    body = copy.deepcopy(dataset.case("UC2.update_child_profile").response["body"])
    body["parent_id"] = dataset.constants["GRANDCHILD_ENTITY_ID"]
    assert _compare(dataset, "UC2.update_child_profile", body) == [
        "$.parent_id: expected ${ROOT_ENTITY_ID} = '550e8400-e29b-41d4-a716-446655440001', "
        "got '550e8400-e29b-41d4-a716-446655440003' (${GRANDCHILD_ENTITY_ID})"
    ]


def test_missing_extra_and_wrongly_typed_fields_are_each_named(dataset):
    body = copy.deepcopy(dataset.case("UC1.login").response["body"])
    del body["refresh_token"]
    body["expires_in"] = "3600"
    body["debug"] = True
    problems = _compare(dataset, "UC1.login", body)
    assert "$.refresh_token: missing (expected ${REFRESH_TOKEN} (value redacted))" in problems
    assert "$.expires_in: expected ${SESSION_TTL_SECONDS} = 3600, got '3600'" in problems
    assert "$.debug: not in the case's answer, got True" in problems
    assert len(problems) == 3


def test_a_secret_value_is_never_shown(dataset):
    body = copy.deepcopy(dataset.case("UC1.login").response["body"])
    body["session_token"] = dataset.constants["REFRESH_TOKEN"]
    problems = _compare(dataset, "UC1.login", body)
    assert problems == ["$.session_token: expected ${AUTH_JWT_TOKEN} (value redacted), got *** (${REFRESH_TOKEN})"]
    assert not any(dataset.constants["REFRESH_TOKEN"] in p for p in problems)


def test_another_status_names_the_case(dataset):
    problems = _compare(dataset, "UC1.login", {}, status=200 + 1)
    assert problems == ["status: expected 200 (dataset case UC1.login), got 201"]


def test_400_issues_are_compared_by_path_and_code(dataset):
    expected = phase0.Phase0Answer(
        400, {"name": "ZodError", "issues": [{"path": ["public_key"], "code": "invalid_type"}]}
    )
    names = whole_answer.ValueNames(dataset.constants)
    got = {"name": "ZodError", "issues": [{"path": ["algorithm"], "code": "invalid_type"}]}
    problems = [str(p) for p in whole_answer.answer(400, got, expected, names)]
    assert problems == [
        "issues[public_key]: expected an issue invalid_type, not reported",
        "issues[algorithm]: an issue invalid_type the request does not have",
    ]
    assert whole_answer.answer(400, expected.body, expected, names) == []


def test_a_declared_matcher_accepts_a_varying_value_and_still_checks_it(tmp_path, reference_constellation):
    text = reference_constellation.dataset.path.read_text()
    marker = '          status: 201\n          body:\n            key_id: "${ROOT_KEY_ID}"'
    assert marker in text
    text = text.replace(
        marker,
        "          status: 201\n          matchers: {registered_at: date-time}\n"
        + marker[len("          status: 201\n") :],
    )
    path = tmp_path / "dataset.yaml"
    path.write_text(text)
    ds = Dataset.load(path)
    case = ds.case("UC1.register_root_key")
    assert case.matchers == {"registered_at": "date-time"}
    assert "matchers" not in case.response
    body = copy.deepcopy(case.response["body"])
    body["registered_at"] = "2031-05-06T07:08:09Z"
    assert _compare(ds, "UC1.register_root_key", body) == []
    body["registered_at"] = "yesterday"
    assert _compare(ds, "UC1.register_root_key", body) == ["$.registered_at: expected date-time, got 'yesterday'"]
    del body["registered_at"]
    assert _compare(ds, "UC1.register_root_key", body) == ["$.registered_at: missing (expected date-time)"]


def test_an_unknown_matcher_is_a_dataset_error_with_its_line(tmp_path, reference_constellation):
    text = reference_constellation.dataset.path.read_text().replace(
        "        response:\n          status: 201\n",
        "        response:\n          status: 201\n          matchers: {x: fuzzy}\n",
        1,
    )
    path = tmp_path / "dataset.yaml"
    path.write_text(text)
    with pytest.raises(
        DatasetError, match=r"dataset.yaml:\d+: case UC1\.\w+: response.matchers.x: unknown matcher 'fuzzy'"
    ):
        Dataset.load(path)


def test_answers_mode_is_full_on_mock_envers_and_named_on_dev_and_main(reference_constellation, tmp_path):
    modes = {name: spec.answers for name, spec in reference_constellation.envers.items()}
    assert modes == {"local": "full", "mock": "full", "dev": "named", "main": "named"}
    text = reference_constellation.path.read_text().replace(
        "    revision: b..dev\n", "    revision: b..dev\n    answers: full\n"
    )
    (tmp_path / "envers").mkdir()
    path = tmp_path / "envers" / "constellation.yaml"
    path.write_text(text.replace("    revision: b..main\n", "    revision: b..main\n    answers: all\n"))
    with pytest.raises(OdmdError, match="enver main: answers must be full or named, not 'all'"):
        Constellation.load(path)
    path.write_text(text)
    assert Constellation.load(path).envers["dev"].answers == "full"


def _plan(project, faults):
    plan = project.path / "plan.json"
    plan.write_text(json.dumps({"enver": faults}))
    return str(plan)


@pytest.mark.parametrize("layer", ["api", "gui"])
def test_a_wrong_field_no_step_names_turns_the_scenario_red_on_both_layers(project, layer):
    """updateEntity's parent_id: the UC2 steps name only the profile; the enver answers the
    grandchild's ID there, schema-valid and wrong."""
    fault = {"operation": "identity-service.updateEntity", "set": {"parent_id": "550e8400-e29b-41d4-a716-446655440003"}}
    result = project.runpytest_subprocess(
        UC2, "--layer", layer, "-k", "child_entity_is_created", "--odmd-faults", _plan(project, [fault])
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*[[]{layer}[]] identity-service updateEntity (UC2.update_child_profile): the answer differs from "
            "dataset case UC2.update_child_profile (*master-mock-dataset.yaml:*), compared in full:*",
            "*$.parent_id: expected ${ROOT_ENTITY_ID} = '550e8400-e29b-41d4-a716-446655440001', "
            "got '550e8400-e29b-41d4-a716-446655440003' (${GRANDCHILD_ENTITY_ID})*",
        ]
    )


def test_named_mode_compares_only_what_the_steps_name(project):
    replace_in(
        project.path / "fixtures/envers/constellation.yaml",
        "    embedded: true\n",
        "    embedded: true\n    answers: named\n",
    )
    fault = {"operation": "identity-service.updateEntity", "set": {"parent_id": "550e8400-e29b-41d4-a716-446655440003"}}
    result = project.runpytest_subprocess(
        UC2, "--layer", "api", "-k", "child_entity_is_created", "--odmd-faults", _plan(project, [fault])
    )
    result.assert_outcomes(passed=1)
