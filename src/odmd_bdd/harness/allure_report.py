"""The Allure report reads like the feature (issue #17).

allure-pytest-bdd names a test after its scenario only, gives every scenario the whole feature's
description, lists a step's arguments as written (`'${ROOT_ENTITY_ID}'`) and shows nothing of
what a passing Then step compared. After it has opened a test or a step, this module:
- names the test `<scenario> [<layer>]` and describes it with its own description and place;
- gives each step one parameter per `${NAME}` of its text, with the value (secrets masked);
- attaches to each Then step what it compared, expected vs actual, passed or not (redacted).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from odmd_bdd.checks import expect
from odmd_bdd.data.placeholders import WHOLE_RE, names_in
from odmd_bdd.harness.stash import CONSTELLATION, REDACTOR
from odmd_bdd.redaction import MASK, Redactor

_VALUE_WIDTH = 160  # a step parameter or a compared value longer than this is cut, with its length


def listener(config: pytest.Config) -> Any:
    """allure-pytest-bdd's listener of this run (registered with --alluredir), or None."""
    try:
        from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener
    except ImportError:
        return None
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, PytestBDDListener)), None)


def _layer(item: pytest.Item) -> str | None:
    return getattr(getattr(item, "callspec", None), "params", {}).get("layer")


def _rel(item: pytest.Item) -> str:
    try:
        return str(item.path.relative_to(item.config.rootpath))
    except ValueError:
        return str(item.path)


def scenario_title(name: str, layer: str | None) -> str:
    return f"{name} [{layer}]" if layer else name


def name_scenario(request: pytest.FixtureRequest, scenario: Any) -> None:
    """`<scenario> [<layer>]`, and the scenario's own description with its feature file:line."""
    found = listener(request.config)
    item = request.node
    if found is None or item.nodeid not in found.nodeid_to_uuid:
        return
    layer = _layer(item)
    with found.lifecycle.update_test_case(uuid=found.nodeid_to_uuid[item.nodeid]) as result:
        if result is None:
            return
        result.name = scenario_title(scenario.name, layer)
        own = (getattr(scenario, "description", "") or "").strip()
        where = f"`{_rel(item)}:{scenario.line_number}`" + (f" · {layer} layer" if layer else "")
        result.description = f"{own}\n\n{where}" if own else where


def _cut(text: str) -> str:
    return text if len(text) <= _VALUE_WIDTH else f"{text[: _VALUE_WIDTH - 1]}… ({len(text)} characters)"


def _redactor(config: pytest.Config) -> Redactor:
    return config.stash.get(REDACTOR, None) or Redactor()


def step_values(config: pytest.Config, text: str) -> dict[str, str]:
    """`${NAME}` -> its value as the report shows it (a secret masked), for each name in `text`."""
    constellation = config.stash.get(CONSTELLATION, None)
    if constellation is None:
        return {}
    constants = constellation.dataset.constants
    redactor = _redactor(config)
    shown: dict[str, str] = {}
    for name in names_in(text):
        if name in constants and f"${{{name}}}" not in shown:
            value = constants[name]
            plain = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            shown[f"${{{name}}}"] = MASK if constants.is_secret(name) else _cut(redactor.text(plain))
    return shown


def show_step_values(request: pytest.FixtureRequest, step: Any) -> None:
    """The step's parameters: each `${NAME}` of its text with the value, then any other argument."""
    found = listener(request.config)
    if found is None:
        return
    from allure_commons.model2 import Parameter
    from allure_pytest_bdd.steps import get_step_uuid

    values = step_values(request.config, step.name)
    with found.lifecycle.update_step(uuid=get_step_uuid(step)) as result:
        if result is None:
            return
        others = [p for p in result.parameters if not WHOLE_RE.match(str(p.value).strip("'\""))]
        result.parameters = [Parameter(name=name, value=value) for name, value in values.items()] + others


def _world_last(request: pytest.FixtureRequest) -> Any:
    if "world" not in request.fixturenames:
        return None
    answers = getattr(request.getfixturevalue("world"), "answers", None)
    return answers[-1] if answers else None


def compared_text(request: pytest.FixtureRequest, step: Any, compared: list[dict[str, Any]]) -> str:
    """What a Then step compared, one block per comparison; without recorded comparisons (a step
    comparing in its own code), the step's values and the answer it looked at."""
    redactor = _redactor(request.config)
    lines: list[str] = []
    for entry in compared:
        mark = "✓" if entry["ok"] else "✗"
        lines += [
            f"{mark} {entry['what']}",
            f"    expected {_cut(str(entry['expected']))}",
            f"    actual   {_cut(str(entry['actual']))}",
        ]
    if not compared:
        values = step_values(request.config, step.name)
        lines.append(f"{step.keyword} {step.name}")
        lines += [f"    expected {name} = {value}" for name, value in values.items()]
        last = _world_last(request)
        if last is not None:
            body = json.dumps(redactor.json(last.body), ensure_ascii=False, sort_keys=True)
            lines.append(f"    actual   {last.label}: status {last.status}, body {_cut(body)}")
    return redactor.text("\n".join(lines))


def attach_compared(request: pytest.FixtureRequest, step: Any) -> None:
    """Attach to a Then step (still open in Allure) what it compared, passed or failed."""
    compared = expect.take_compared()
    if getattr(step, "type", "") != "then" or listener(request.config) is None:
        return
    import allure

    verdict = "" if not compared else " — all equal" if all(e["ok"] for e in compared) else " — differs"
    name = f"compared: expected vs actual{verdict}"
    try:
        allure.attach(compared_text(request, step, compared), name=name, attachment_type=allure.attachment_type.TEXT)
    except KeyError:  # no current Allure test
        pass
