"""The short Markdown summary of a run, for people and for GitHub's job summary.

    python -m odmd_bdd.reporting.summary [--results reports/allure-results ...] [--exit-code N] [--out reports/summary.md]

Read from the Allure results (so it works on the merged results of several shards too):
- pass/fail per use case (the `@ucN` tag) × layer (the scenario's `layer` parameter);
- every failing scenario with the harness's message: its header and every problem line;
- scenarios that needed a retry (`--reruns`): every attempt is a result with the same
  historyId, the last attempt counts;
- the enver and the artifact versions used (`odmd-enver.properties`, written by the plugin).

Error lines pass through the same redaction as the report (dataset secrets, bearer tokens).
When `$GITHUB_STEP_SUMMARY` is set, the summary is appended to it as well.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from odmd_bdd.names import DEFAULT_CONSTELLATION, LAYERS, without_id_params
from odmd_bdd.redaction import Redactor

FAILING = ("failed", "broken")
_UC = re.compile(r"^uc(\d+)$", re.IGNORECASE)
EXIT_CODES = {
    0: "all passed",
    1: "scenarios failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no scenario was selected",
}


@dataclass
class Scenario:
    """One scenario on one layer: its attempts, the last one deciding."""

    name: str
    feature: str  # the feature file, as in fullName
    use_case: str  # "UC1" … or "—"
    layer: str
    attempts: list[dict] = field(default_factory=list)

    @property
    def final(self) -> dict:
        return max(self.attempts, key=lambda r: (r.get("stop") or r.get("start") or 0, r.get("start") or 0))

    @property
    def status(self) -> str:
        return self.final.get("status") or "unknown"

    def error_lines(self, redactor: Redactor, limit: int = 40) -> list[str]:
        """The harness's message: its header and every problem line under it (a contract
        violation's JSON paths, a comparison's expected and actual), redacted; never the traceback."""
        details = self.final.get("statusDetails") or {}
        message = details.get("message") or ""
        if not message.strip():  # no message: the first line of the trace at least
            message = next((line for line in (details.get("trace") or "").splitlines() if line.strip()), "")
        lines = [redactor.text(line.strip())[:300] for line in message.splitlines() if line.strip()]
        if not lines:
            return ["(no message)"]
        lines[0] = _HARNESS_PREFIX.sub("", lines[0])
        lines = [line.removeprefix("- ") if i else line for i, line in enumerate(lines)]
        if len(lines) > limit:
            lines = [*lines[:limit], f"(+{len(lines) - limit} more lines: see the report)"]
        return lines


# How allure-pytest-bdd prefixes a message (excinfo.exconly()): the harness's failures need no class name.
_HARNESS_PREFIX = re.compile(r"^(?:AssertionError|odmd_bdd\.errors\.\w+): ")


def _label(result: dict, name: str) -> list[str]:
    return [lab.get("value", "") for lab in result.get("labels", []) if lab.get("name") == name]


def _layer(result: dict) -> str:
    for param in result.get("parameters", []):
        if param.get("name") == "layer":
            return str(param.get("value", "")).strip("'\"")
    tags = set(_label(result, "tag"))
    return next((layer for layer in LAYERS if layer in tags), "—")


def _use_case(result: dict) -> str:
    for tag in _label(result, "tag"):
        match = _UC.match(tag)
        if match:
            return f"UC{match.group(1)}"
    return "—"


def load_scenarios(results_dirs: list[Path]) -> list[Scenario]:
    by_history: dict[str, Scenario] = {}
    for folder in results_dirs:
        for path in sorted(folder.glob("*-result.json")):
            try:
                result = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            key = result.get("historyId") or result.get("fullName") or path.name
            layer = _layer(result)
            if key not in by_history:
                full = result.get("fullName") or ""
                name = (result.get("name") or full).removesuffix(f" [{layer}]")  # the test's name carries its layer
                by_history[key] = Scenario(name, full.split(":", 1)[0], _use_case(result), layer)
            by_history[key].attempts.append(result)
    return sorted(by_history.values(), key=lambda s: (_uc_order(s.use_case), s.feature, s.name, s.layer))


def _uc_order(use_case: str) -> tuple[int, str]:
    digits = use_case[2:] if use_case.startswith("UC") else ""
    return (int(digits), "") if digits.isdigit() else (10**6, use_case)


# Every key of the enver's description (the plugin writes it beside Allure's environment.properties,
# which holds only what its Metadata panel can show).
ENVER_FILE = "odmd-enver.properties"


def read_environment(results_dirs: list[Path]) -> dict[str, str]:
    env: dict[str, str] = {}
    for folder in results_dirs:
        path = folder / ENVER_FILE
        if not path.is_file():
            path = folder / "environment.properties"  # results written before odmd-enver.properties
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                env.setdefault(key.strip(), value.strip())
    return env


def artifact_versions(env: dict[str, str]) -> dict[str, list[str]]:
    """`service.artifact.kind` -> the versions recorded (per-worker keys `…[gw1]` folded in)."""
    out: dict[str, list[str]] = {}
    for key, value in env.items():
        if ".artifact." in key:
            values = out.setdefault(without_id_params(key), [])  # one entry across the workers
            if value not in values:
                values.append(value)
    return out


def _cell(scenarios: list[Scenario]) -> str:
    if not scenarios:
        return "—"
    failed = sum(1 for s in scenarios if s.status in FAILING)
    passed = sum(1 for s in scenarios if s.status == "passed")
    other = len(scenarios) - failed - passed
    if failed:
        text = f"❌ {failed} of {len(scenarios)} failed"
    elif passed:
        text = f"✅ {passed}/{len(scenarios)}"
    else:
        text = f"⏭ {other} skipped"
    if other and (failed or passed):
        text += f", {other} skipped"
    return text


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Text for an inline code span in a list item (one line, no backticks inside)."""
    return text.replace("\n", " ").replace("`", "'")


def render(
    scenarios: list[Scenario],
    env: dict[str, str],
    *,
    exit_code: int | None = None,
    redactor: Redactor | None = None,
    report: str | None = None,
    junit: str | None = None,
) -> str:
    redactor = redactor or Redactor()
    failing = [s for s in scenarios if s.status in FAILING]
    passed = sum(1 for s in scenarios if s.status == "passed")
    skipped = len(scenarios) - len(failing) - passed
    ok = not failing and scenarios and exit_code in (None, 0)
    enver = env.get("enver")
    revision = env.get("revision", "")
    where = (f"enver `{enver}`" + (f" ({revision})" if revision else "")) if enver else "enver not recorded"
    lines = [f"## {'✅' if ok else '❌'} odmd-bdd — {where}", ""]
    counts = f"**{passed} passed, {len(failing)} failed**" + (f", {skipped} skipped" if skipped else "")
    if exit_code is not None:
        counts += f" — pytest exit code {exit_code} ({EXIT_CODES.get(exit_code, 'see the log')})"
    lines += [counts, ""]
    if not scenarios:
        lines += [
            "No scenario result was written: the run stopped before any scenario ran (a usage error, an "
            "unreachable enver, a bad feature file). The reason is at the end of the pytest output.",
            "",
        ]
    else:
        layers = [layer for layer in LAYERS if any(s.layer == layer for s in scenarios)]
        layers += sorted({s.layer for s in scenarios} - set(layers))
        grid: dict[str, dict[str, list[Scenario]]] = defaultdict(lambda: defaultdict(list))
        for s in scenarios:
            grid[s.use_case][s.layer].append(s)
        lines += ["| use case | " + " | ".join(layers) + " |", "|---|" + "---|" * len(layers)]
        for use_case in sorted(grid, key=_uc_order):
            lines.append(f"| {use_case} | " + " | ".join(_cell(grid[use_case][layer]) for layer in layers) + " |")
        lines.append("")
    if failing:
        lines += ["### Failing scenarios", ""]
        for s in failing:
            header, *problems = s.error_lines(redactor)
            lines.append(
                f"- **{_md(s.use_case)} [{_md(s.layer)}] {_md(s.name)}** (`{_md(s.feature)}`): `{_code(header)}`"
            )
            lines += [f"  - `{_code(problem)}`" for problem in problems]
        lines.append("")
    retried = [s for s in scenarios if len(s.attempts) > 1]
    if retried:
        lines += ["### Retried (`--reruns`)", ""]
        for s in retried:
            verdict = "passed on a retry (flaky)" if s.status == "passed" else f"still {s.status}"
            lines.append(f"- {_md(s.use_case)} [{_md(s.layer)}] {_md(s.name)}: {len(s.attempts)} attempts, {verdict}")
        lines.append("")
    artifacts = artifact_versions(env)
    if artifacts:
        lines += ["### Artifact versions used", "", "| artifact | version |", "|---|---|"]
        for key, values in artifacts.items():
            shown = f"`{_md(redactor.text(values[0]))}`"
            if len(values) > 1:  # xdist workers of an embedded enver each publish their own copy
                shown += f" (+{len(values) - 1} more: one per worker)"
            lines.append(f"| {_md(key)} | {shown} |")
        lines.append("")
    outputs = [f"HTML report: `{report}`" if report else "", f"JUnit: `{junit}`" if junit else ""]
    if any(outputs):
        lines += [" · ".join(w for w in outputs if w), ""]
    return "\n".join(lines)


def _redactor(constellation: Path | None) -> Redactor:
    """Mask the dataset's secret values too, when the constellation can be read."""
    if constellation is None or not constellation.is_file():
        return Redactor()
    try:
        from odmd_bdd.data.constellation import Constellation

        return Redactor(Constellation.load(constellation).dataset.constants.secret_values())
    except Exception:  # the summary must still be written; pattern-based masking remains
        return Redactor()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m odmd_bdd.reporting.summary", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        type=Path,
        action="append",
        help="an Allure results folder (repeatable; default reports/allure-results)",
    )
    parser.add_argument("--exit-code", type=int, default=None, help="pytest's exit code, to state it")
    parser.add_argument("--out", type=Path, default=Path("reports/summary.md"), help="where to write the Markdown")
    parser.add_argument("--report", default=None, help="where the HTML report is, to mention it")
    parser.add_argument("--junit", default=None, help="where the JUnit XML is, to mention it")
    parser.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help="constellation file, for the secret values to mask",
    )
    args = parser.parse_args(argv)
    results = args.results or [Path("reports/allure-results")]
    text = render(
        load_scenarios(results),
        read_environment(results),
        exit_code=args.exit_code,
        redactor=_redactor(args.constellation),
        report=args.report,
        junit=args.junit,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
