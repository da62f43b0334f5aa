"""Mutant runs in one pytest session: every scenario that exercises a mutant's dataset case runs
once more per mutant, with a run id keyed to it, on one enver where all mutants are planted.

`--odmd-calls FILE` (the baseline) writes which dataset cases each scenario was answered with;
`--odmd-mutants FILE` ({"mutants": [{"id", "case", ...}]}, as odmd_bdd.tools.mutants writes it,
with the same file's faults planted by --odmd-faults) parametrizes each scenario over the mutants
of the cases it exercised: `test_x[api-m0042]` runs with X-Odmd-Run `m0042~<uuid>`, so only
that mutant's faults (Fault.run) answer it.
"""

from __future__ import annotations

import json
import types
import uuid
from pathlib import Path
from typing import Any

import pytest

from odmd_bdd.errors import OdmdError

CALLS: pytest.StashKey[dict[str, set[str]]] = pytest.StashKey()
RUN_KEY = "~"  # as odmd_bdd.localenv.faults.RUN_KEY


def scenario_key(module_file: str, function: str, rootpath: Path) -> str:
    try:
        rel = Path(module_file).resolve().relative_to(rootpath)
    except ValueError:
        rel = Path(module_file)
    return f"{rel.as_posix()}::{function}"


def parametrize(metafunc: pytest.Metafunc) -> None:
    path = metafunc.config.getoption("odmd_mutants")
    if not path or "odmd_mutant" not in metafunc.fixturenames or not isinstance(metafunc.module, types.ModuleType):
        return
    plan = _read(path)
    key = scenario_key(
        str(getattr(metafunc.module, "__file__", "")), metafunc.definition.originalname, metafunc.config.rootpath
    )
    exercised = set(plan.get("calls", {}).get(key, []))
    ids = [m["id"] for m in plan["mutants"] if m["case"] in exercised]
    if not ids:
        metafunc.parametrize(
            "odmd_mutant", [pytest.param(None, marks=pytest.mark.skip(reason="no mutant of its cases"))], ids=["none"]
        )
        return
    metafunc.parametrize("odmd_mutant", ids, ids=ids)


_CACHE: dict[str, dict[str, Any]] = {}


def _read(path: str) -> dict[str, Any]:
    if path not in _CACHE:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OdmdError(f"cannot read the mutants file {path}: {exc}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("mutants"), list):
            raise OdmdError(f"{path}: a mutants file is {{'mutants': [...], 'calls': {{...}}}}")
        _CACHE[path] = raw
    return _CACHE[path]


def run_id(mutant: str | None) -> str | None:
    """The run id of one scenario run: keyed to its mutant, else None (World makes one)."""
    return None if mutant is None else f"{mutant}{RUN_KEY}{uuid.uuid4().hex[:12]}"


def record_calls(item: pytest.Item, answered: set[str]) -> None:
    """Note the dataset cases that answered this scenario run (for --odmd-calls)."""
    if not item.config.getoption("odmd_calls"):
        return
    module = getattr(item, "module", None)
    if module is None:
        return
    key = scenario_key(
        str(getattr(module, "__file__", "")), getattr(item, "originalname", item.name), item.config.rootpath
    )
    item.config.stash.setdefault(CALLS, {}).setdefault(key, set()).update(answered)


def write_calls(config: pytest.Config) -> None:
    path = config.getoption("odmd_calls")
    if not path or hasattr(config, "workerinput"):
        return
    calls = {key: sorted(cases) for key, cases in sorted(config.stash.get(CALLS, {}).items())}
    Path(path).write_text(json.dumps(calls, indent=1), encoding="utf-8")
