"""Parallel and sharded runs: pytest-xdist workers, and shards across CI machines.

The logic behind the hooks of odmd_bdd/pytest_plugin/distribution.py.

**xdist** (`pytest features/ -n auto`). Every worker is its own pytest process, so the
session fixtures exist once per worker: each worker launches its own Chromium and brings up its
own embedded enver, or reuses the running one the controller found (harness/worker_envers.py).
Scenario runs are isolated anyway (`X-Odmd-Run`, per-run queues), which is what makes sharing an
enver — a reused embedded one or a deployed one — safe. What needs care is per-session output:
- Allure's `--clean-alluredir` must run once, on the controller, before any worker writes:
  a worker that started late would otherwise delete its siblings' results.
- The enver is resolved on the workers. Each worker sends what `Enver.describe()` says
  through xdist's `workeroutput`; the controller merges them and writes
  `environment.properties` and the terminal summary once. Values every worker agrees on stay
  as they are; values that differ per worker (the addresses of each worker's own embedded
  enver) are listed per worker as `key[gw0]`, `key[gw1]`.

Workers deal the scenarios out longest first (`longest_first`: GUI scenarios by their number of
steps, then the API ones), so the run does not end with one worker finishing a long GUI
scenario while the others idle; a serial run keeps the file order.

**Shards** (`--num-shards N --shard-id K`, K = 0…N-1): each CI machine runs one shard. The
selection groups a scenario's layers together (`…[api]` and `…[gui]` land on the same
shard), orders the scenarios by node id and deals them out round-robin, so shards differ by
at most one scenario and together are exactly the selected suite — provided every shard is
given the same paths and `-m`/`-k` selection. It runs after `-m`/`-k` deselection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest

from odmd_bdd import cpus
from odmd_bdd.names import without_id_params

WORKER_ENVERS = pytest.StashKey[dict[str, dict[str, str]]]()  # controller: worker id -> what its enver said
WORKEROUTPUT_KEY = "odmd_enver"


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pin_worker(config: pytest.Config) -> None:
    """On an xdist worker gwK of N: its threads keep to the K-th core (odmd_bdd/cpus.py says why)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or config.getoption("no_pin_workers"):
        return
    worker, count = str(workerinput.get("workerid", "")), int(workerinput.get("workercount") or 0)
    if worker.startswith("gw") and worker[2:].isdigit():
        cpus.pin(int(worker[2:]), count)


def check_options(config: pytest.Config) -> None:
    """Refuse an impossible shard; let only the controller clean the Allure results."""
    num, shard = config.getoption("num_shards"), config.getoption("shard_id")
    if num < 1 or not 0 <= shard < num:
        raise pytest.UsageError(
            f"--shard-id {shard} --num-shards {num}: need --num-shards >= 1 and 0 <= --shard-id < --num-shards"
        )
    if is_worker(config) and getattr(config.option, "clean_alluredir", False):
        config.option.clean_alluredir = False  # the controller cleaned it before the workers started


# --- shards ---------------------------------------------------------------------------


def scenario_key(nodeid: str) -> str:
    """The scenario a test belongs to: its node id without the parametrization (`[api]`)."""
    return without_id_params(nodeid)


def shard_of(nodeids: Sequence[str], num_shards: int) -> dict[str, int]:
    """Scenario key -> shard, for the scenarios of these node ids (round-robin over the sorted keys)."""
    keys = sorted({scenario_key(n) for n in nodeids})
    return {key: index % num_shards for index, key in enumerate(keys)}


def select_shard(nodeids: Sequence[str], shard_id: int, num_shards: int) -> list[bool]:
    """For each node id: does it belong to shard `shard_id`?"""
    shards = shard_of(nodeids, num_shards)
    return [shards[scenario_key(n)] == shard_id for n in nodeids]


def select_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this shard's scenarios; on an xdist worker, order them longest first."""
    num = config.getoption("num_shards")
    if num > 1:
        keep = select_shard([item.nodeid for item in items], config.getoption("shard_id"), num)
        deselected = [item for item, wanted in zip(items, keep) if not wanted]
        if deselected:
            items[:] = [item for item, wanted in zip(items, keep) if wanted]
            config.hook.pytest_deselected(items=deselected)
    if is_worker(config):
        items[:] = longest_first(items)


# --- xdist scheduling -----------------------------------------------------------------

# What a scenario costs, roughly (bench/: docs/PERFORMANCE.md): a GUI scenario a fresh browser
# context and page (~0.3 s) plus ~0.15 s a step; an API scenario a few milliseconds a step.
GUI_SCENARIO_S, GUI_STEP_S, API_STEP_S = 0.3, 0.15, 0.005


def estimated_cost(item: pytest.Item) -> float:
    callspec = getattr(item, "callspec", None)
    layer = callspec.params.get("layer") if callspec is not None else None
    steps = getattr(getattr(item, "obj", None), "odmd_steps", 1)
    return GUI_SCENARIO_S + GUI_STEP_S * steps if layer == "gui" else API_STEP_S * steps


def longest_first(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """The order xdist deals tests out in: longest first, so that no worker is left running a long
    GUI scenario alone at the end while the others are done (longest-processing-time-first).
    Deterministic, as xdist needs every worker to collect the same order; ties keep file order."""
    return sorted(items, key=lambda item: -estimated_cost(item))


def report_header(config: pytest.Config) -> str | None:
    num = config.getoption("num_shards")
    return f"odmd-bdd shard {config.getoption('shard_id')} of {num} (0-based)" if num > 1 else None


# --- the enver's description across workers -------------------------------------------


def send_to_controller(config: pytest.Config, info: Mapping[str, str]) -> None:
    """On a worker: hand the enver's description to the controller (xdist's workeroutput)."""
    workeroutput: dict[str, Any] = getattr(config, "workeroutput")  # noqa: B009 - set by xdist on workers only
    workeroutput[WORKEROUTPUT_KEY] = dict(info)


def keep_worker_enver(node: Any) -> None:
    """On the controller: keep what each worker's enver said (a worker that crashed says nothing)."""
    info = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
    if info:
        node.config.stash.setdefault(WORKER_ENVERS, {})[node.gateway.id] = info


def merge_worker_envers(per_worker: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """One description from several workers': agreed values once, differing ones per worker."""
    if not per_worker:
        return {}
    workers = sorted(per_worker, key=_worker_order)
    keys: list[str] = []
    for worker in workers:
        keys += [k for k in per_worker[worker] if k not in keys]
    merged: dict[str, str] = {}
    for key in keys:
        values = {w: per_worker[w][key] for w in workers if key in per_worker[w]}
        if len(set(values.values())) == 1 and len(values) == len(workers):
            merged[key] = next(iter(values.values()))
        else:
            merged.update({f"{key}[{w}]": v for w, v in values.items()})
    merged["xdist_workers"] = str(len(workers))
    return merged


def _worker_order(worker: str) -> tuple[int, str]:
    digits = "".join(ch for ch in worker if ch.isdigit())
    return (int(digits) if digits else 0, worker)


def controller_enver_info(config: pytest.Config) -> dict[str, str]:
    per_worker: dict[str, dict[str, str]] = config.stash.get(WORKER_ENVERS, {})
    return merge_worker_envers(per_worker)


def properties_text(info: Iterable[tuple[str, str]]) -> str:
    """Allure's environment.properties: `key=value` lines (values kept on one line)."""
    return "".join(f"{key}={str(value).replace(chr(10), ' ')}\n" for key, value in info)
