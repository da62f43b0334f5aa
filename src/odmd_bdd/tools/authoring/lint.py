"""`odmd-bdd lint [PATHS...]`: check feature files before running them.

Reports, each as `file:line: message`, and exits 1 if there is any: Gherkin syntax errors;
steps no step definition matches (with the closest existing step); unknown constants (with
the closest name); tags that are not registered markers; duplicate scenario names and
scenarios that would get the same test name; scenarios that would run on a layer one of
their steps does not support; and what the grammar allows but misleads (checks.feature_text):
a step line outside any scenario (read as description), an outline placeholder with no
Examples column, a dataset case that does not exist, a literal that is a constant's value.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import TYPE_CHECKING

from odmd_bdd.checks.problems import Problem, in_file_order
from odmd_bdd.data.placeholders import names_in
from odmd_bdd.errors import ConstantError
from odmd_bdd.harness import layers
from odmd_bdd.names import STEP_WORDS
from odmd_bdd.tools.authoring.workspace import Workspace, add_options, marker_name

if TYPE_CHECKING:  # imported when linting, so that `odmd-bdd --help` stays quick
    from odmd_bdd.tools.authoring.catalog import StepDef
    from odmd_bdd.tools.authoring.features import FeatureDoc, FeatureStep, Scenario


def scenario_layers(scenario: Scenario) -> tuple[str, ...]:
    """The layers the scenario runs on, as collection decides (harness.layers)."""
    return tuple(layers.scenario_layers({t.name for t in scenario.tags}, "all"))


class Linter:
    def __init__(self, workspace: Workspace):
        from odmd_bdd.tools.authoring.catalog import load_steps  # imports the project's step modules

        self.workspace = workspace
        self.constants = workspace.dataset.constants
        self.markers = workspace.markers
        self.defs = load_steps(workspace.root)
        self._normalised: dict[str, StepDef] = {}
        for d in self.defs:
            self._normalised.setdefault(d.normalised(), d)

    def lint(self, paths: list[Path]) -> tuple[list[Problem], list[FeatureDoc]]:
        from odmd_bdd.tools.authoring.features import parse_feature

        problems: list[Problem] = []
        docs = []
        test_names: dict[str, tuple[str, int, str]] = {}  # test name -> (file, line, scenario name)
        for path in paths:
            where = self.workspace.show(path)
            try:
                doc = parse_feature(path)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem("lint.unreadable", where, f"cannot read the feature file: {exc}", line=1))
                continue
            docs.append(doc)
            problems += [Problem("lint.syntax", where, message, line=line) for line, message in doc.errors]
            problems += self._constants(doc, where)
            if doc.errors:
                continue
            problems += self._tags(doc, where)
            problems += self._steps(doc, where)
            problems += self._scenarios(doc, where, test_names)
            problems += self._misleading(doc, where)
        return in_file_order(problems), docs

    # --- the checks ---------------------------------------------------------------------------

    def _constants(self, doc: FeatureDoc, where: str) -> list[Problem]:
        """Every ${NAME} outside comments, with the plugin's own message (Constants.unknown_error)."""
        out = []
        for number, line in enumerate(doc.lines, 1):
            if line.lstrip().startswith("#"):
                continue
            for name in dict.fromkeys(names_in(line)):
                if name not in self.constants:
                    error: ConstantError = self.constants.unknown_error(name, f"{where}:{number}")
                    _, _, message = str(error).partition(f"{where}:{number}: ")
                    out.append(Problem("lint.unknown-constant", where, message, line=number))
        return out

    def _tags(self, doc: FeatureDoc, where: str) -> list[Problem]:
        out = []
        for tag in doc.all_tags():
            marker = marker_name(tag.name)
            if marker not in self.markers:
                close = difflib.get_close_matches(marker, sorted(self.markers), n=1)
                hint = f" — did you mean @{close[0]}?" if close else ""
                out.append(
                    Problem(
                        "lint.unknown-tag",
                        where,
                        f"unknown tag @{tag.name}{hint} (tags are pytest markers: "
                        f"register new ones in pyproject.toml's markers)",
                        line=tag.line,
                    )
                )
        return out

    def _steps(self, doc: FeatureDoc, where: str) -> list[Problem]:
        out = []
        undefined: set[int] = set()  # step lines already reported
        for scenario in doc.scenarios:
            if not scenario.steps:
                out.append(
                    Problem(
                        "lint.no-steps",
                        where,
                        f"scenario {scenario.name!r} has no steps" + self._description_hint(doc, scenario),
                        line=scenario.line,
                    )
                )
            runs_on = scenario_layers(scenario)
            narrow: dict[int, StepDef] = {}  # step line -> its definition, for steps that miss a layer
            for step in scenario.background + scenario.steps:
                for row in scenario.renderings():
                    text = scenario.render(step.text, row)
                    found = [d for d in self.defs if d.matches(step.type, text)]
                    if not found:
                        if step.line not in undefined:
                            undefined.add(step.line)
                            out.append(
                                Problem("lint.undefined-step", where, self._undefined(step, text), line=step.line)
                            )
                        break
                    if any(layer not in found[0].layers for layer in runs_on):
                        narrow[step.line] = found[0]
            if narrow:
                supported = [layer for layer in runs_on if all(layer in d.layers for d in narrow.values())]
                missing = [layer for layer in runs_on if layer not in supported]
                tag = (
                    f"tag it @{supported[0]}-only"
                    if supported
                    else "no layer supports all of its steps: use other steps or change its layer tags"
                )
                groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
                for line, d in narrow.items():
                    groups.setdefault((d.source.rsplit(":", 1)[0], d.layers), []).append(str(line))
                steps = "; ".join(
                    f"line{'s' * (len(lines) > 1)} {', '.join(lines)}: {'/'.join(layers)} only ({source})"
                    for (source, layers), lines in groups.items()
                )
                out.append(
                    Problem(
                        "lint.layer",
                        where,
                        f"scenario {scenario.name!r} would run on the {'/'.join(missing)} layer, which "
                        f"some of its steps do not support ({steps}); {tag}",
                        line=min(narrow),
                    )
                )
        return out

    def _misleading(self, doc: FeatureDoc, where: str) -> list[Problem]:
        """What the grammar allows but misleads: steps read as description, placeholders with no
        column, unknown dataset cases, literals that are a constant's value (checks.feature_text)."""
        from odmd_bdd.checks import feature_text

        text = "\n".join(doc.lines)
        return [
            *feature_text.step_lines_outside_scenarios(where, text, doc.gherkin),
            *feature_text.placeholders_without_columns(where, text, doc.gherkin),
            *feature_text.unknown_dataset_cases(where, doc.gherkin, self.workspace.dataset.cases),
            *feature_text.literals_of_constants(where, self._arguments(doc), self.constants),
        ]

    def _arguments(self, doc: FeatureDoc) -> list[tuple[int, str]]:
        """(line, value) of every argument its step definition parses out of each step."""
        out = []
        for step, scenario in doc.steps():
            for row in scenario.renderings():
                text = scenario.render(step.text, row)
                found = [d for d in self.defs if d.matches(step.type, text)]
                if found:
                    parsed = found[0].parser.parse_arguments(text) or {}
                    out += [(step.line, str(value)) for value in parsed.values()]
        return out

    def _description_hint(self, doc: FeatureDoc, scenario: Scenario) -> str:
        for line in doc.lines[scenario.line :]:
            word = line.strip().split(" ", 1)[0]
            if not word or word.startswith(("#", "@")):
                continue
            close = difflib.get_close_matches(word, STEP_WORDS, n=1, cutoff=0.6)
            if close:
                return f": {line.strip()!r} reads as its description — did you mean '{close[0]}'?"
            break
        return ""

    def _undefined(self, step: FeatureStep, text: str) -> str:
        message = f"no step definition matches {step.written}"
        other = [d for d in self.defs if d.type not in (None, step.type) and d.matches(d.type, text)]
        if other:
            return f"{message}: it is a {other[0].keyword} step — write it as {other[0].keyword} (or And after one)"
        wanted = _normalise(text)
        same_type = [n for n, d in self._normalised.items() if d.type in (None, step.type)]
        close = difflib.get_close_matches(wanted, same_type, n=1, cutoff=0.6) or difflib.get_close_matches(
            wanted, list(self._normalised), n=1, cutoff=0.6
        )
        if close:
            best = self._normalised[close[0]]
            return f"{message} — did you mean {best.line!r}? (odmd-bdd steps lists them all)"
        return f"{message} (odmd-bdd steps lists every step)"

    def _scenarios(self, doc: FeatureDoc, where: str, test_names: dict[str, tuple[str, int, str]]) -> list[Problem]:
        from pytest_bdd.scenario import make_python_name

        out = []
        by_name: dict[str, int] = {}
        local: dict[str, tuple[int, str]] = {}
        for scenario in doc.scenarios:
            if scenario.name in by_name:
                out.append(
                    Problem(
                        "lint.duplicate-scenario",
                        where,
                        f"duplicate scenario name {scenario.name!r} (first at line {by_name[scenario.name]}): "
                        f"pytest-bdd keeps only one of them, the other never runs",
                        line=scenario.line,
                    )
                )
                continue
            by_name[scenario.name] = scenario.line
            test = f"test_{make_python_name(scenario.name)}"
            if test in local:
                line, name = local[test]
                out.append(
                    Problem(
                        "lint.same-test-name",
                        where,
                        f"scenario {scenario.name!r} gets the same test name {test} as {name!r} "
                        f"(line {line}): rename one of them",
                        line=scenario.line,
                    )
                )
                continue
            local[test] = (scenario.line, scenario.name)
            if test in test_names:
                other_file, line, name = test_names[test]
                out.append(
                    Problem(
                        "lint.same-test-name",
                        where,
                        f"scenario {scenario.name!r} gets the same test name {test} as {name!r} in "
                        f"{other_file}:{line}: -k, JUnit and Allure cannot tell them apart; rename one",
                        line=scenario.line,
                    )
                )
            else:
                test_names[test] = (where, scenario.line, scenario.name)
        return out


def _normalise(text: str) -> str:
    from odmd_bdd.tools.authoring.catalog import normalise_text

    return normalise_text(text)


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.at(args.root, args.constellation)
    paths = workspace.feature_files(args.paths)
    problems, docs = Linter(workspace).lint(paths)
    for problem in problems:
        print(problem)
    scenarios = sum(len(d.scenarios) for d in docs)
    steps = sum(len(d.steps()) for d in docs)
    if problems:
        files = len({p.where for p in problems})
        print(
            f"odmd-bdd lint: {len(problems)} problem{'s' * (len(problems) != 1)} in {files} of "
            f"{len(paths)} feature file{'s' * (len(paths) != 1)}"
        )
        return 1
    print(
        f"odmd-bdd lint: {len(paths)} feature file{'s' * (len(paths) != 1)}, {scenarios} scenario"
        f"{'s' * (scenarios != 1)}, {steps} step{'s' * (steps != 1)}: no problems"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lint",
        help="check feature files (syntax, steps, constants, tags, duplicates)",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="feature files or folders (default: features/)")
    add_options(parser)
    parser.set_defaults(func=run)
