"""Phase confirmations: the versioned record of a person confirming a phase.

`fixtures/phase-confirmations.yaml` (next to the constellation's `envers/` folder) is a
YAML list; each record says who confirmed what and the evidence digest at that time.
The checkpoint never writes one on its own: `odmd-bdd checkpoint confirm --by NAME`
appends one, from the current evidence and only when every item of the phase holds, and
a person commits it. The latest record for a service, phase and enver counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.checkpoint.model import PHASES, PhaseEvidence

FILE_NAME = "phase-confirmations.yaml"
REQUIRED = ("service", "phase", "enver", "revision", "confirmed_by", "confirmed_at", "evidence_digest")

HEADER = """\
# Phase confirmations: a person's word that a service's phase is complete.
#
# `odmd-bdd checkpoint` measures each service's phase on an enver; it shows a phase after
# 0A as ✅ COMPLETE only when a record below confirms it AND today's evidence digest equals
# the confirmed one. When the evidence later fails or changes, the checkpoint shows
# ⚠️ REGRESSED (naming the failing item or what changed) instead of the stale ✅.
# Phase 0A is automatic (✅ DONE when its items hold) and is never confirmed here.
#
# The tool never writes a record on its own. A person runs
#   odmd-bdd checkpoint confirm --enver mock --service key-service --phase 0B --by "Jane Doe"
# which appends a record from the CURRENT evidence, only when every item of that phase
# holds, and prints it; review and commit this file. The latest record for a service,
# phase and enver counts.
#
# A record:
#   - service: key-service             # a service of the constellation
#     phase: 0B                        # 0B or 1A
#     enver: mock                      # the enver it was confirmed on
#     revision: b..mock                # that enver's revision at the time
#     confirmed_by: Jane Doe           # who
#     confirmed_at: '2026-01-31T10:00:00Z'   # when (UTC)
#     evidence_digest: sha256:…        # sha256 of the canonical JSON of {service, phase,
#                                      # revision, items, inputs}
#     evidence:                        # what was confirmed:
#       items: {invalid-request-400: pass, …}      # each checklist item's outcome
#       inputs: {artifact.openapi: sha256:…, …}    # content digests of the published
#                                                  # artifacts and of the dataset slice
#     note: optional free text
#
# The digest holds nothing that changes between runs of the same evidence: no ports, base
# URLs, timestamps or S3 VersionIds (an artifact counts by the digest of its content).
"""


@dataclass
class Confirmations:
    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> Confirmations:
        """The records of `path`; a missing file has none."""
        path = Path(path)
        if not path.exists():
            return cls(path, [])
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as exc:
            line = f":{exc.problem_mark.line + 1}" if exc.problem_mark else ""
            raise OdmdError(f"{path}{line}: invalid YAML: {exc.problem}") from None
        except OSError as exc:
            raise OdmdError(f"cannot read the phase confirmations {path}: {exc.strerror}") from None
        if raw is None:
            return cls(path, [])
        if not isinstance(raw, list):
            raise OdmdError(f"{path}: expected a list of confirmation records (see the header comment)")
        for i, record in enumerate(raw, 1):
            problem = _problem(record)
            if problem:
                raise OdmdError(f"{path}: record {i}: {problem}")
        return cls(path, [dict(r) for r in raw])

    def latest(self, service: str, phase: str, enver: str) -> dict[str, Any] | None:
        found = [
            r
            for r in self.records
            if r["service"] == service and str(r["phase"]).upper() == phase and r["enver"] == enver
        ]
        # The latest by confirmed_at; equal times keep the file's order (the last written wins).
        return max(enumerate(found), key=lambda pair: (str(pair[1]["confirmed_at"]), pair[0]))[1] if found else None


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "must be a mapping"
    missing = [k for k in REQUIRED if record.get(k) in (None, "")]
    if missing:
        return f"lacks {', '.join(missing)}"
    phase = str(record["phase"]).upper()
    if phase == "0A":
        return "phase 0A is automatic (✅ DONE when its items hold) and is never confirmed"
    if phase not in PHASES:
        return f"unknown phase {record['phase']!r} (phases: {', '.join(p for p in PHASES if p != '0A')})"
    return None


def default_path(constellation: Constellation) -> Path:
    """`fixtures/phase-confirmations.yaml`: beside the constellation's envers/ folder."""
    return constellation.base / FILE_NAME


def new_record(
    phase: PhaseEvidence, enver: str, by: str, note: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A record confirming `phase` as measured now. Refuses a phase that does not hold."""
    if phase.phase == "0A":
        raise OdmdError("phase 0A is automatic (✅ DONE when its items hold); there is nothing to confirm")
    if not phase.applicable:
        raise OdmdError(f"{phase.service} phase {phase.phase} is not checked on enver {enver!r}: {phase.reason}")
    if phase.failing:
        raise OdmdError(
            f"{phase.service} phase {phase.phase} cannot be confirmed: "
            + "; ".join(f"{i.id} fails ({i.evidence[0] if i.evidence else 'no evidence'})" for i in phase.failing)
        )
    if not by.strip():
        raise OdmdError("--by needs the name of the person confirming")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    record: dict[str, Any] = {
        "service": phase.service,
        "phase": phase.phase,
        "enver": enver,
        "revision": phase.revision,
        "confirmed_by": by.strip(),
        "confirmed_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "evidence_digest": phase.digest,
        "evidence": _plain(phase.summary()),
    }
    if note:
        record["note"] = note
    return record


def _plain(summary: dict[str, Any]) -> dict[str, Any]:
    return {"items": summary["items"], "inputs": summary["inputs"]}


def append_record(path: str | Path, record: dict[str, Any]) -> str:
    """Append `record` to the file (created with its header when missing); returns the text written."""
    path = Path(path)
    text = yaml.safe_dump([record], sort_keys=False, allow_unicode=True, width=120)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER, encoding="utf-8")
    current = path.read_text(encoding="utf-8")
    prefix = "" if current.endswith("\n") or not current else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(prefix + text)
    return text
