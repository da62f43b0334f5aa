"""The fault catalog: every fault the harness must catch, where, and what the message must name.

The catalog is the project's data (`fixtures/faults/catalog.yaml`), not the engine's: each
entry is one run of the features with one fault plan. `layers` are the layers that must
catch it (a wrong CORS origin only matters to a browser; a GUI bug only to the GUI);
`needle` is text the failure message must contain — the field, route or thing at fault.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.errors import OdmdError
from odmd_bdd.names import LAYERS

CATALOG_FILE = Path("fixtures") / "faults" / "catalog.yaml"  # relative to the project root


@dataclass(frozen=True)
class FaultCase:
    id: str
    service: str
    kind: str
    description: str
    plan: dict[str, Any]
    features: tuple[str, ...]
    needle: str
    layers: tuple[str, ...] = LAYERS
    args: tuple[str, ...] = ()
    run_level: bool = False  # the run itself must refuse to start (no scenario runs)
    in_subset: bool = False  # part of the representative subset `make test` runs


_FIELDS = {f.name: f for f in dataclasses.fields(FaultCase)}
_REQUIRED = [name for name, f in _FIELDS.items() if f.default is dataclasses.MISSING]


def _case(entry: Any, where: str) -> FaultCase:
    if not isinstance(entry, dict):
        raise OdmdError(f"{where}: a fault is a mapping of {', '.join(_REQUIRED)}")
    unknown = sorted(set(entry) - set(_FIELDS))
    missing = [name for name in _REQUIRED if name not in entry]
    if unknown or missing:
        said = [
            f"unknown key(s) {', '.join(unknown)}" if unknown else "",
            f"missing {', '.join(missing)}" if missing else "",
        ]
        raise OdmdError(f"{where}: {'; '.join(s for s in said if s)} (keys: {', '.join(_FIELDS)})")
    values: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value for key, value in entry.items()}
    bad_layers = set(values.get("layers", ())) - set(LAYERS)
    if bad_layers:
        raise OdmdError(f"{where}: unknown layer(s) {', '.join(sorted(bad_layers))} (layers: {', '.join(LAYERS)})")
    return FaultCase(**values)


def load_catalog(root: Path, path: Path | None = None) -> list[FaultCase]:
    """The catalog at `path` (default: fixtures/faults/catalog.yaml under `root`); a bad entry is one
    OdmdError naming the file and the entry."""
    file = path or root / CATALOG_FILE
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OdmdError(f"{file}: cannot read the fault catalog: {exc}") from None
    entries = data.get("faults") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise OdmdError(f"{file}: the fault catalog is a mapping with a list `faults:`")
    cases = [_case(entry, f"{file}: faults[{index}]") for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for index, case in enumerate(cases):
        if case.id in seen:
            raise OdmdError(f"{file}: faults[{index}]: id {case.id!r} is used twice")
        seen.add(case.id)
    return cases
