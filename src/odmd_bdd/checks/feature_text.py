"""Checks of a feature file's text that the Gherkin grammar lets through but that mislead.

Each takes the file's text and its Gherkin document (the official parser's AST, as pytest-bdd
and `odmd-bdd lint` read it) and reports `Problem`s whose `where` is `file:line`.
The first two also stop collection: a run that silently drops a step or keeps a literal
`<placeholder>` would pass for the wrong reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.names import STEP_WORDS

_STEP_LINE = re.compile(rf"^\s*({'|'.join(STEP_WORDS)})\s+\S")
_PLACEHOLDER = re.compile(r"<([^<>\s][^<>]*)>")
_CASE_REF = re.compile(r"\bdataset case ([A-Za-z0-9_.\-]+)")


def _children(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for child in node.get("children", []) or []:
        if "rule" in child:
            yield from _children(child["rule"])
        else:
            yield child


def _scenarios(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    feature = doc.get("feature") or {}
    for child in _children(feature):
        if "scenario" in child:
            yield child["scenario"]


def _all_steps(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    feature = doc.get("feature") or {}
    for child in _children(feature):
        block = child.get("background") or child.get("scenario") or {}
        yield from block.get("steps", []) or []


@check("feature.step-outside-scenario")
def step_lines_outside_scenarios(path: str, text: str, doc: Mapping[str, Any]) -> list[Problem]:
    """A `Given/When/Then/And/But ...` line the parser read as description text, not as a step."""
    steps: set[int] = set()
    quoted: set[int] = set()  # lines inside doc strings
    for step in _all_steps(doc):
        line = step["location"]["line"]
        steps.add(line)
        doc_string = step.get("docString")
        if doc_string:
            start = doc_string["location"]["line"]
            quoted.update(range(start, start + doc_string["content"].count("\n") + 3))
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if number in steps or number in quoted or not _STEP_LINE.match(line):
            continue
        out.append(
            Problem(
                "feature.step-outside-scenario",
                path,
                f"{line.strip()!r} is outside any scenario or background, so it is read as description text "
                f"and never runs: put it under a Scenario: or Background: line",
                line=number,
            )
        )
    return out


@check("feature.placeholder-without-column")
def placeholders_without_columns(path: str, text: str, doc: Mapping[str, Any]) -> list[Problem]:
    """An outline's `<name>` that an Examples table has no column for (it would stay literal)."""
    out = []
    for scenario in _scenarios(doc):
        tables = scenario.get("examples") or []
        used: dict[str, int] = {}
        for step in scenario.get("steps", []) or []:
            for name in _PLACEHOLDER.findall(step["text"]):
                used.setdefault(name, step["location"]["line"])
        if not used or (not tables and "Outline" not in scenario.get("keyword", "")):
            continue
        if not tables:
            names = ", ".join(f"<{n}>" for n in used)
            out.append(
                Problem(
                    "feature.placeholder-without-column",
                    path,
                    f"scenario outline {scenario['name']!r} uses {names} but has no Examples table",
                    line=scenario["location"]["line"],
                )
            )
            continue
        for table in tables:
            header = [c["value"] for c in (table.get("tableHeader") or {}).get("cells", [])]
            for name, line in used.items():
                if name not in header:
                    out.append(
                        Problem(
                            "feature.placeholder-without-column",
                            path,
                            f"<{name}> has no column in the Examples table at line {table['location']['line']} "
                            f"(columns: {', '.join(header) or 'none'})",
                            line=line,
                        )
                    )
    return out


def _render(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _rendered_steps(doc: Mapping[str, Any]) -> Iterator[tuple[int, str]]:
    """(line, text) of every step, once per Examples row for outlines (the row's line for its values)."""
    feature = doc.get("feature") or {}
    for child in _children(feature):
        if "background" in child:
            for step in child["background"].get("steps", []) or []:
                yield step["location"]["line"], step["text"]
            continue
        scenario = child.get("scenario")
        if not scenario:
            continue
        rows: list[tuple[int, dict[str, str]]] = []
        for table in scenario.get("examples") or []:
            header = [c["value"] for c in (table.get("tableHeader") or {}).get("cells", [])]
            for row in table.get("tableBody") or []:
                rows.append((row["location"]["line"], dict(zip(header, (c["value"] for c in row["cells"])))))
        for step in scenario.get("steps", []) or []:
            if not rows or not _PLACEHOLDER.search(step["text"]):
                yield step["location"]["line"], step["text"]
                continue
            for line, values in rows:
                yield line, _render(step["text"], values)


@check("feature.unknown-case")
def unknown_dataset_cases(path: str, doc: Mapping[str, Any], cases: Mapping[str, Any]) -> list[Problem]:
    """A step (or an Examples value) naming a dataset case the dataset does not have."""
    import difflib

    out = []
    for line, text in _rendered_steps(doc):
        for ref in _CASE_REF.findall(text):
            if ref not in cases:
                close = difflib.get_close_matches(ref, list(cases), n=1)
                hint = f" — did you mean {close[0]}?" if close else ""
                out.append(Problem("feature.unknown-case", path, f"no dataset case {ref!r}{hint}", line=line))
    return out


def _literal_values(constants: Mapping[str, Any]) -> dict[str, str]:
    """value text -> constant name, for constants whose value could be mistaken for nothing else."""
    out: dict[str, str] = {}
    for name, value in constants.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            continue
        text = str(value)
        if len(text) >= 4 and not text.isspace():
            out.setdefault(text, name)
    return out


@check("feature.literal-constant")
def literals_of_constants(
    path: str, arguments: Iterable[tuple[int, str]], constants: Mapping[str, Any]
) -> list[Problem]:
    """A step argument (line, text as the step definition parsed it) that holds a dataset constant's
    value as a literal: name the constant instead, so the feature follows the dataset."""
    from odmd_bdd.data.placeholders import is_secret_name

    values = _literal_values(constants)
    if not values:
        return []
    pattern = re.compile(
        r"(?<![\w$-])(" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + r")(?![\w-])"
    )
    out = []
    seen: set[tuple[int, str]] = set()
    for line, text in arguments:
        bare = re.sub(r"\$\{[^}]*\}", " ", text)
        for found in pattern.findall(bare):
            if (line, found) in seen:
                continue
            seen.add((line, found))
            name = values[found]
            shown = "a literal" if is_secret_name(name) else f"the literal {found!r}"  # never print a secret
            message = f"{shown} is the value of ${{{name}}}: write ${{{name}}} instead"
            out.append(Problem("feature.literal-constant", path, message, line=line))
    return out
