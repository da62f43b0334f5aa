"""Look at the output as a person does: a real run with one planted failure, its terminal and its
HTML report (Allure 3) in headless Chromium.

    python -m odmd_bdd.tools.report_view [--out docs/screenshots]      (make screenshots)

writes the README's screenshots from a real run: terminal-failure.png (what `pytest` prints),
report-overview.png and report-failure.png (the report's test page: the failing step, a Then
step's comparison). tests/test_report_html.py reads the same page through `ReportPage`.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odmd_bdd.reporting import html_report

FEATURE = "features/uc1_authentication_key_entity.feature"
SCENARIO = "registers_the_root_key"
# The acceptance example of issue #17: registerKey answers a fingerprint that breaks its contract.
PLANTED = {"enver": [{"operation": "key-service.registerKey", "set": {"fingerprint": 12345}}]}


@dataclass
class PlantedRun:
    returncode: int
    terminal: str  # what pytest printed, with its colours (ANSI)
    results: Path  # the Allure results


def planted_run(root: Path, work: Path, *args: str, color: bool = True) -> PlantedRun:
    """`pytest FEATURE -k SCENARIO --odmd-faults PLAN` in project `root`, reports under `work`."""
    work.mkdir(parents=True, exist_ok=True)
    plan = work / "plan.json"
    plan.write_text(json.dumps(PLANTED), encoding="utf-8")
    results = work / "allure-results"
    cmd = [sys.executable, "-m", "pytest", FEATURE, "-k", SCENARIO, "--odmd-faults", str(plan)]
    cmd += [f"--alluredir={results}", f"--junitxml={work / 'junit.xml'}", f"--color={'yes' if color else 'no'}", *args]
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    return PlantedRun(proc.returncode, proc.stdout + proc.stderr, results)


def allure_binary(root: Path) -> Path:
    return root / "node_modules" / ".bin" / "allure"


def generate(root: Path, results: Path, out: Path) -> Path:
    """The HTML report of `results` (Allure 3 from node_modules, the project's allurerc.yaml)."""
    binary = allure_binary(root)
    if not binary.exists():
        raise FileNotFoundError(f"{binary} is missing: run `make node-setup` (npm ci) first")
    proc = subprocess.run(
        [str(binary), "generate", str(results), "-o", str(out)], cwd=root, capture_output=True, text=True, timeout=300
    )
    index = out / "index.html"
    if proc.returncode != 0 or not index.exists():
        raise RuntimeError(f"allure generate failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    html_report.settle(index)
    return index


class ReportPage:
    """Allure 3's HTML report read through its `data-testid`s, as a person clicks through it."""

    def __init__(self, page: Any, index: Path):
        self.page = page
        said: list[str] = []  # what the report's page reported while it loaded, for a report that never shows
        page.on("console", lambda msg: said.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda error: said.append(f"page error: {error}"))
        page.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())  # a file report needs no network
        page.goto(index.resolve().as_uri())
        try:
            page.locator("[data-testid='tree-leaf-title']").first.wait_for()
        except Exception as exc:
            size = index.stat().st_size if index.exists() else "missing"
            shown = page.locator("body").inner_text()[:500]
            raise AssertionError(
                f"the report {index} ({size} bytes) shows no test after waiting: {exc}\n"
                f"{chr(10).join(said) or 'no console error'}\nthe page shows: {shown!r}"
            ) from None

    def test_names(self) -> list[str]:
        return [t.strip() for t in self.page.locator("[data-testid='tree-leaf-title']").all_inner_texts()]

    def open_test(self, name: str) -> None:
        self.page.locator("[data-testid='tree-leaf']", has_text=name).first.click()
        self.page.locator("[data-testid='test-result-info-title']").wait_for()

    def title(self) -> str:
        return str(self.page.locator("[data-testid='test-result-info-title']").inner_text()).strip()

    def error_message(self) -> str:
        return str(self.page.locator("[data-testid='test-result-error-message']").first.inner_text())

    def _step(self, title: str) -> Any:
        title_el = self.page.locator("[data-testid='test-result-step-title']", has_text=title)
        return self.page.locator("[data-testid='test-result-step']", has=title_el).first

    def open_step(self, title: str) -> str:
        """Expand the step whose title holds `title` (and its attachments); its text."""
        step = self._step(title)
        if step.locator("[data-testid='test-result-step-content']").count() == 0:
            step.locator("[data-testid='test-result-step-header']").first.click()
        step.locator("[data-testid='test-result-step-content']").first.wait_for()
        headers = step.locator("[data-testid='test-result-attachment-header']")
        for i in range(headers.count()):
            header = headers.nth(i)
            if "compared" in header.inner_text():
                header.click()
                step.locator("[data-testid='code-attachment-content']").first.wait_for()
        return str(step.inner_text())


_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_COLOURS = {"31": "#f14c4c", "32": "#23d18b", "33": "#f5f543", "36": "#29b8db", "1": None}


def ansi_to_html(text: str) -> str:
    """Terminal output with its colours as an HTML page (dark, monospace)."""
    out: list[str] = []
    open_spans = 0
    pos = 0
    for match in _SGR.finditer(text):
        out.append(html.escape(text[pos : match.start()]))
        pos = match.end()
        for code in (match.group(1) or "0").split(";"):
            if code in ("", "0", "39", "22"):
                out.append("</span>" * open_spans)
                open_spans = 0
            elif code == "1":
                out.append('<span style="font-weight:bold">')
                open_spans += 1
            elif code in _COLOURS and _COLOURS[code]:
                out.append(f'<span style="color:{_COLOURS[code]}">')
                open_spans += 1
    out.append(html.escape(text[pos:]))
    out.append("</span>" * open_spans)
    body = "".join(out)
    style = (
        "body{margin:0;background:#1e1e1e;color:#d4d4d4}"
        "pre{margin:0;padding:16px;font:13px/1.35 'DejaVu Sans Mono',monospace;white-space:pre-wrap}"
    )
    return f"<!doctype html><meta charset=utf-8><style>{style}</style><pre>{body}</pre>"


def screenshots(root: Path, out: Path) -> list[Path]:
    """Run the planted failure, render its terminal and report, screenshot both into `out`."""
    from odmd_bdd.gui.browser import GuiBrowser, LaunchOptions

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="odmd-screens-") as tmp:
        work = Path(tmp)
        print(f"report_view: pytest {FEATURE} -k {SCENARIO} with a planted contract violation …", flush=True)
        run = planted_run(root, work)
        if run.returncode != 1:
            raise RuntimeError(f"expected one failing run (exit 1), got exit {run.returncode}:\n{run.terminal[-3000:]}")
        print("report_view: allure generate …", flush=True)
        index = generate(root, run.results, work / "allure-report")
        terminal_page = work / "terminal.html"
        terminal_page.write_text(ansi_to_html(f"$ pytest {FEATURE} -k {SCENARIO}\n" + run.terminal), encoding="utf-8")
        written = []
        with GuiBrowser(LaunchOptions()) as browser:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
            page = context.new_page()
            page.goto(terminal_page.resolve().as_uri())
            written.append(out / "terminal-failure.png")
            page.screenshot(path=str(written[-1]), full_page=True)
            report = ReportPage(page, index)
            written.append(out / "report-overview.png")
            page.screenshot(path=str(written[-1]))
            failed = next(n for n in report.test_names() if n.endswith("[api]"))
            report.open_test(failed)
            report.open_step("Then a session is opened")
            page.set_viewport_size({"width": 1100, "height": 1800})  # the report scrolls inside: no full_page
            page.locator("[data-testid='test-result-info-title']").scroll_into_view_if_needed()
            written.append(out / "report-failure.png")
            page.screenshot(path=str(written[-1]))
            context.close()
    for path in written:
        print(f"report_view: wrote {path}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m odmd_bdd.tools.report_view", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project (default: here)")
    args = parser.parse_args(argv)
    screenshots(args.root.resolve(), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
