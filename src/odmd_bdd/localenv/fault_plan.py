"""A fault plan file, as `pytest --odmd-faults PLAN.json` applies it to the embedded enver.

{"enver":  [<Fault>, ...],          # answers and events (odmd_bdd.localenv.Fault)
 "client": [<ClientFault>, ...],    # the web client's planted bugs
 "withhold_artifacts": ["svc"]}     # services whose schema artifact is not published
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odmd_bdd.errors import OdmdError

KEYS = ("enver", "client", "withhold_artifacts")


@dataclass
class FaultPlanFile:
    enver: list[dict[str, Any]] = field(default_factory=list)
    client: list[dict[str, Any]] = field(default_factory=list)
    withhold_artifacts: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: str | Path) -> FaultPlanFile:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise OdmdError(f"cannot read the fault plan {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise OdmdError(f"{path}:{exc.lineno}: the fault plan is not valid JSON: {exc.msg}") from None
        unknown = set(raw) - set(KEYS) if isinstance(raw, dict) else {"(not an object)"}
        if unknown:
            raise OdmdError(f"{path}: a fault plan has {', '.join(KEYS)}; not {', '.join(sorted(unknown))}")
        return cls(**{k: list(raw.get(k) or []) for k in KEYS})

    def apply(self, local: Any) -> None:
        """Install the answer and client faults on a running LocalEnver."""
        from odmd_bdd.localenv import Fault
        from odmd_bdd.localenv.web import ClientFault

        try:
            faults = [Fault.from_dict(f) for f in self.enver]
            cases = local.constellation.dataset.cases
            unknown = [f.event_from for f in faults if f.event_from and f.event_from not in cases]
            if unknown:
                raise ValueError(f"event_from: no dataset case {', '.join(map(str, unknown))}")
            local.faults.replace(faults)
            local.web_client.faults.replace([ClientFault.from_dict(f) for f in self.client])
        except (ValueError, TypeError) as exc:
            raise OdmdError(f"invalid fault plan: {exc}") from None
