"""Allure 3's single-file index.html, made safe to open offline: `settle(index)` after `allure generate`.

Two things in the file Allure writes (plugin-awesome 3.18) are changed:

- **A race when the file is opened.** The app's script comes before the inline scripts that store
  the report's data in `window.allureReportData`; the app reads that store only if it exists when
  it first loads data, and otherwise fetches `widgets/*.json` beside the file, which a browser
  refuses on file:// (CORS) — the report then shows no test. When the browser parses the 3.6 MB
  file slowly (a loaded machine) the app gets there first. The store is now created in <head>,
  before the app, so the app always waits for the embedded data (`allureReportDataReady`).
- **Analytics.** The template always loads Google Tag Manager (`analyticsEnable: true` is hard-coded):
  a report opened from a CI artifact would call out to the internet. That block is removed.

Both edits are idempotent, and a file that does not have the expected shape is left as it is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

STORE = "<script>window.allureReportData = window.allureReportData || {};</script>"
_ANALYTICS = re.compile(
    r"<script async src=\"https://www\.googletagmanager\.com/gtag/js[^\"]*\"></script>\s*"
    r"<script>\s*window\.dataLayer = .*?</script>\s*",
    re.DOTALL,
)


def settled(html: str) -> str:
    html = _ANALYTICS.sub("", html, count=1)
    if STORE not in html and "</head>" in html:
        html = html.replace("</head>", f"    {STORE}\n</head>", 1)
    return html


def settle(index: Path) -> None:
    html = index.read_text(encoding="utf-8")
    done = settled(html)
    if done != html:
        index.write_text(done, encoding="utf-8")


if __name__ == "__main__":  # python -m odmd_bdd.reporting.html_report reports/allure-report/index.html
    for name in sys.argv[1:]:
        settle(Path(name))
