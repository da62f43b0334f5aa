"""What a checkpoint found and what it concludes: items, phases, the evidence digest, statuses.

Evidence and verdict are kept apart. `PhaseEvidence` is what was measured (each item
✔/✘ with the evidence behind it); `assess` turns it into the seed's status indicators,
given the confirmation records a person wrote:

- Phase 0A: ✅ DONE when every item holds (the seed makes it automatic), else 🟠 IN_PROGRESS.
- Later phases: 🟠 IN_PROGRESS while an item fails, ⚠️ NEEDS_VALIDATION when every item
  holds, ✅ COMPLETE only when a confirmation record for this service, phase and enver
  exists and today's evidence digest equals the confirmed one. A confirmed phase whose
  items now fail, or whose evidence changed, shows ⚠️ REGRESSED naming what.
- A phase the enver's revision does not check (1A on a mock enver) is — N/A, never ✔.

The evidence digest is `sha256:` of the canonical JSON (sorted keys, no whitespace) of
the phase's *summary*: service, phase, revision, each item's outcome, and the content
digests of the inputs (the service's published artifacts, its slice of the dataset). It
holds nothing that changes from run to run for the same evidence: no ports or base
URLs, no timestamps, no S3 VersionIds (an artifact enters by the digest of its content,
and a bundle's references to its parts by the parts' content digests).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, NA = "pass", "fail", "n/a"
MARK = {PASS: "✔", FAIL: "✘", NA: "–"}

PHASES: dict[str, str] = {
    "0A": "Contract surface layer",
    "0B": "BDD contract verification",
    "1A": "Core domain logic",
}

# Status codes (JSON) and their display (the seed's indicators).
DONE, COMPLETE, NEEDS_VALIDATION, IN_PROGRESS, REGRESSED, NOT_APPLICABLE = (
    "DONE",
    "COMPLETE",
    "NEEDS_VALIDATION",
    "IN_PROGRESS",
    "REGRESSED",
    "NOT_APPLICABLE",
)
INDICATOR = {
    DONE: "✅ DONE",
    COMPLETE: "✅ COMPLETE",
    NEEDS_VALIDATION: "⚠️ NEEDS_VALIDATION",
    IN_PROGRESS: "🟠 IN_PROGRESS",
    REGRESSED: "⚠️ REGRESSED",
    NOT_APPLICABLE: "— N/A",
}


def current_phase(revision: str) -> str | None:
    """The phase an enver's revision stands for (PLATFORM.md: phases = envers):
    mock → "0", dev → "1", main → "2+"; any other branch or tag → None."""
    return {"mock": "0", "dev": "1", "main": "2+"}.get(revision.split("..", 1)[-1])


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest_of(summary: dict[str, Any]) -> str:
    return sha256(canonical_json(summary))


@dataclass
class Item:
    """One checklist item: what was checked, the outcome, and the evidence behind it."""

    id: str  # stable, e.g. "invalid-request-400"
    title: str
    outcome: str  # PASS | FAIL | NA
    evidence: list[str] = field(default_factory=list)  # what was requested, what came back, which version

    @property
    def mark(self) -> str:
        return MARK[self.outcome]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outcome": self.outcome, "evidence": list(self.evidence)}


@dataclass
class PhaseEvidence:
    service: str
    phase: str  # "0A" | "0B" | "1A"
    revision: str
    applicable: bool
    reason: str = ""  # why it is not applicable
    items: list[Item] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # name -> content digest (artifacts, dataset slice)

    @property
    def failing(self) -> list[Item]:
        return [i for i in self.items if i.outcome == FAIL]

    @property
    def holds(self) -> bool:
        return self.applicable and not self.failing

    def summary(self) -> dict[str, Any]:
        """What the digest is computed from (see the module docstring)."""
        return {
            "service": self.service,
            "phase": self.phase,
            "revision": self.revision,
            "items": {i.id: i.outcome for i in self.items},
            "inputs": dict(sorted(self.inputs.items())),
        }

    @property
    def digest(self) -> str:
        return digest_of(self.summary())


@dataclass
class Evidence:
    """Everything one checkpoint run measured, per service (sorted) and phase (in order)."""

    enver: str
    revision: str
    phase: str | None
    services: dict[str, dict[str, PhaseEvidence]]
    facts: dict[str, Any] = field(default_factory=dict)  # per service: base URL, artifact versions
    bdd: dict[str, Any] = field(default_factory=dict)  # the feature run: scenarios, seconds, allure dir
    seconds: float = 0.0

    def phase_evidence(self, service: str, phase: str) -> PhaseEvidence:
        return self.services[service][phase]


@dataclass
class Status:
    code: str
    text: str  # the indicator, with the regression or confirmation it rests on
    confirmation: dict[str, Any] | None = None


def assess(phase: PhaseEvidence, confirmation: dict[str, Any] | None) -> Status:
    """The seed's indicator for one phase of one service."""
    if not phase.applicable:
        return Status(NOT_APPLICABLE, f"{INDICATOR[NOT_APPLICABLE]} ({phase.reason})")
    failing = phase.failing
    if phase.phase == "0A":  # automatic: no confirmation needed or recorded
        return (
            Status(IN_PROGRESS, INDICATOR[IN_PROGRESS] + _failing_text(failing))
            if failing
            else Status(DONE, INDICATOR[DONE])
        )
    if confirmation is None:
        return (
            Status(IN_PROGRESS, INDICATOR[IN_PROGRESS] + _failing_text(failing))
            if failing
            else Status(NEEDS_VALIDATION, INDICATOR[NEEDS_VALIDATION])
        )
    since = f"since confirmation by {confirmation.get('confirmed_by')} on {_day(confirmation.get('confirmed_at'))}"
    if failing:
        return Status(REGRESSED, f"{INDICATOR[REGRESSED]} {since}{_failing_text(failing)}", confirmation)
    if confirmation.get("evidence_digest") != phase.digest:
        recorded = confirmation.get("evidence")
        if isinstance(recorded, dict):
            recorded = {"revision": confirmation.get("revision"), **recorded}
        changes = evidence_changes(recorded, phase.summary())
        return Status(REGRESSED, f"{INDICATOR[REGRESSED]} {since}: the evidence changed ({changes})", confirmation)
    return Status(
        COMPLETE,
        f"{INDICATOR[COMPLETE]} (confirmed by {confirmation.get('confirmed_by')} on "
        f"{_day(confirmation.get('confirmed_at'))})",
        confirmation,
    )


def _failing_text(failing: list[Item]) -> str:
    """`: item X fails` / `: items X, Y fail` (empty when nothing fails)."""
    if not failing:
        return ""
    if len(failing) == 1:
        return f": item {failing[0].id} fails"
    return f": items {', '.join(i.id for i in failing)} fail"


def _day(value: Any) -> str:
    return str(value or "an unknown date")[:10]


def evidence_changes(confirmed: Any, now: dict[str, Any]) -> str:
    """What differs between the summary a confirmation recorded and today's."""
    if not isinstance(confirmed, dict):
        return "the record keeps no evidence summary to compare; the digest differs"
    out = []
    for key in ("revision",):
        if confirmed.get(key) != now.get(key):
            out.append(f"{key} {confirmed.get(key)} → {now.get(key)}")
    for section, noun in (("items", "item"), ("inputs", "input")):
        before, after = confirmed.get(section) or {}, now.get(section) or {}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                out.append(f"{noun} {name}: {_short(before.get(name))} → {_short(after.get(name))}")
    return "; ".join(out) or "the digest differs"


def _short(value: Any) -> str:
    if value is None:
        return "absent"
    text = str(value)
    return text[:19] + "…" if text.startswith("sha256:") and len(text) > 20 else text
