"""Feature files as the authoring tools see them, parsed with the official Gherkin parser.

Step types are resolved as pytest-bdd resolves them: Given/When/Then set the type, And/But/*
continue the previous step's, and a block (background or scenario) must start with one of
Given/When/Then.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from gherkin.errors import CompositeParserException, ParserException
from gherkin.parser import Parser

from odmd_bdd.names import STEP_WORDS

STEP_TYPES = {"Context": "given", "Action": "when", "Outcome": "then"}
KEYWORDS = (
    "Feature",
    "Background",
    "Scenario",
    "Scenario Outline",
    "Example",
    "Examples",
    "Rule",
    *STEP_WORDS,
)
_PLACEHOLDER = re.compile(r"<([^<>]+)>")


@dataclass(frozen=True)
class Tag:
    name: str  # without the @
    line: int


@dataclass(frozen=True)
class FeatureStep:
    type: str  # given | when | then
    keyword: str  # as written: Given, And, *
    text: str
    line: int

    @property
    def typed_line(self) -> str:
        """The step with the keyword of its type (an `And` after a Then reads `Then`)."""
        return f"{self.type.capitalize()} {self.text}"

    @property
    def written(self) -> str:
        """The step as written, saying which type an And/But/* continues."""
        if self.keyword.lower() == self.type:
            return repr(f"{self.keyword} {self.text}")
        return f"{f'{self.keyword} {self.text}'!r} (a {self.type.capitalize()} step here)"


@dataclass
class Scenario:
    name: str
    line: int
    tags: list[Tag]  # its own, its rule's and its feature's
    background: list[FeatureStep]  # feature and rule background steps
    steps: list[FeatureStep]
    examples: list[dict[str, str]] = field(default_factory=list)  # one row per example (outlines)

    def renderings(self) -> list[dict[str, str]]:
        return self.examples or [{}]

    @staticmethod
    def render(text: str, row: dict[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: row.get(m.group(1), m.group(0)), text) if row else text


@dataclass
class FeatureDoc:
    path: Path
    lines: list[str]
    name: str = ""
    tags: list[Tag] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message): syntax and structure
    gherkin: dict[str, Any] = field(default_factory=dict)  # the official parser's document (empty on a syntax error)

    def all_tags(self) -> list[Tag]:
        seen: dict[tuple[str, int], Tag] = {}
        for tag in self.tags + [t for s in self.scenarios for t in s.tags]:
            seen.setdefault((tag.name, tag.line), tag)
        return sorted(seen.values(), key=lambda t: (t.line, t.name))

    def steps(self) -> list[tuple[FeatureStep, Scenario]]:
        """Every step once (background steps with the first scenario that has them)."""
        out, seen = [], set()
        for scenario in self.scenarios:
            for step in scenario.background + scenario.steps:
                if step.line not in seen:
                    seen.add(step.line)
                    out.append((step, scenario))
        return out


def _tags(raw: list[dict[str, Any]]) -> list[Tag]:
    return [Tag(t["name"].lstrip("@"), t["location"]["line"]) for t in raw or []]


def _syntax_message(error: ParserException) -> str:
    text = str(error)
    text = re.sub(r"^\(\d+:\d+\): ", "", text)
    got = re.search(r"got '(.*)'$", text)
    if got:
        word = got.group(1).split(" ", 1)[0].rstrip(":")
        close = difflib.get_close_matches(word, KEYWORDS, n=1, cutoff=0.6)
        hint = f" — did you mean '{close[0]}'?" if close and close[0] != word else ""
        if text.startswith("expected:") and "#StepLine" in text:
            return f"syntax error: {got.group(1)!r} is not a step, a tag, a comment or a Scenario line{hint}"
        return f"syntax error: unexpected {got.group(1)!r}{hint}"
    return f"syntax error: {text}"


def _steps(raw: list[dict[str, Any]], errors: list[tuple[int, str]], block: str) -> list[FeatureStep]:
    steps: list[FeatureStep] = []
    current: str | None = None
    for i, step in enumerate(raw or []):
        kind = STEP_TYPES.get(step.get("keywordType", ""))
        line = step["location"]["line"]
        if kind is None and current is None:
            if i == 0:
                errors.append(
                    (
                        line,
                        f"the first step of a {block} must start with Given, When or Then, "
                        f"not {step['keyword'].strip()!r}",
                    )
                )
            kind = "given"
        current = kind or current
        steps.append(FeatureStep(current, step["keyword"].strip(), step["text"], line))  # type: ignore[arg-type]
    return steps


def parse_feature(path: Path) -> FeatureDoc:
    text = path.read_text(encoding="utf-8")
    doc = FeatureDoc(path=path, lines=text.splitlines())
    try:
        # The parser's TypedDicts (GherkinDocument, Tag, ...) are plain dicts at run time; read as such.
        ast = cast("dict[str, Any]", Parser().parse(text))
    except CompositeParserException as exc:
        doc.errors += [(e.location["line"], _syntax_message(e)) for e in exc.errors]
        return doc
    except ParserException as exc:
        doc.errors.append((exc.location["line"], _syntax_message(exc)))
        return doc
    doc.gherkin = ast
    feature = ast.get("feature")
    if not feature:
        doc.errors.append((1, "no Feature in this file (a feature file starts with 'Feature: <name>')"))
        return doc
    doc.name = feature["name"]
    doc.tags = _tags(feature.get("tags"))

    def walk(children: list[dict[str, Any]], background: list[FeatureStep], tags: list[Tag]) -> None:
        for child in children:
            if "background" in child:
                background = background + _steps(child["background"]["steps"], doc.errors, "Background")
            elif "rule" in child:
                rule = child["rule"]
                walk(rule.get("children", []), background, tags + _tags(rule.get("tags")))
            elif "scenario" in child:
                raw = child["scenario"]
                scenario_tags = tags + _tags(raw.get("tags"))
                rows: list[dict[str, str]] = []
                for examples in raw.get("examples") or []:
                    scenario_tags += _tags(examples.get("tags"))
                    header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
                    for row in examples.get("tableBody") or []:
                        rows.append(dict(zip(header, (c["value"] for c in row["cells"]))))
                doc.scenarios.append(
                    Scenario(
                        name=raw["name"],
                        line=raw["location"]["line"],
                        tags=scenario_tags,
                        background=background,
                        steps=_steps(raw.get("steps"), doc.errors, "Scenario"),
                        examples=rows,
                    )
                )

    walk(feature.get("children", []), [], doc.tags)
    return doc
