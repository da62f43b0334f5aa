"""Phase checkpoints: each service's phase checklist measured on an enver (`odmd-bdd checkpoint`).

The seed's checkpoint validation templates, run for real: `collect` gathers the evidence
(items ✔/✘ with what was requested, what came back and which artifact version),
`report.build_report` turns it into the seed's status indicators against the confirmation
records a person wrote (`fixtures/phase-confirmations.yaml`), and `report` renders it as
Markdown, JSON and an Allure result. Phase 0A is ✅ DONE when its items hold; no later
phase is ever ✅ COMPLETE without a person's confirmation whose evidence digest still holds.
"""

from odmd_bdd.tools.checkpoint.collect import collect
from odmd_bdd.tools.checkpoint.confirmations import Confirmations, append_record, default_path, new_record
from odmd_bdd.tools.checkpoint.model import Evidence, Item, PhaseEvidence, Status, assess, current_phase
from odmd_bdd.tools.checkpoint.report import Report, build_report, render_json, render_markdown

__all__ = [
    "Confirmations",
    "Evidence",
    "Item",
    "PhaseEvidence",
    "Report",
    "Status",
    "append_record",
    "assess",
    "build_report",
    "collect",
    "current_phase",
    "default_path",
    "new_record",
    "render_json",
    "render_markdown",
]
