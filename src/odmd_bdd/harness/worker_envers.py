"""Which enver the xdist workers of a feature run use.

Each worker brings up an embedded enver of its own, in its own process, the way a serial run
does (moto in that process, the enver published straight into it: well under a second). A
worker is then self-contained: its scenarios' requests, events and AWS calls stay in its
process, so N workers keep N cores busy instead of queueing on one interpreter. (The
controller used to host one enver for all workers; on this project's 2-core machine that one
interpreter serving both workers was the slower way on every suite measured.)

What the controller still does once, before the workers start, is the one thing workers must
not do each on their own: look for a running enver of the project to reuse, starting a kept
one for `--keep-enver` (harness/warm_enver.py; two workers would race to spawn it). Its answer
reaches every worker in its workerinput: the running enver's address to attach to, or none
(bring up your own). Scenario runs stay isolated on a reused enver as on any shared one: every
request carries the run's `X-Odmd-Run` id and events go to per-run queues.
"""

from __future__ import annotations

from typing import Any

import pytest

from odmd_bdd.aws.share import ShareSnapshot
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.harness import warm_enver
from odmd_bdd.harness.collection import runs_features
from odmd_bdd.harness.stash import CONSTELLATION
from odmd_bdd.resolution.envers import EmbeddedAddress

WORKERINPUT_KEY = "odmd_worker_enver"
DECIDED = pytest.StashKey[dict[str, Any]]()  # the controller's answer, as handed to each worker


def _xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.has_plugin("dsession") and not hasattr(config, "workerinput")


def _decides(config: pytest.Config) -> bool:
    """Does this process decide, for its workers, whether they reuse a running embedded enver?"""
    constellation = config.stash.get(CONSTELLATION, None)
    if constellation is None or not _xdist_controller(config) or not runs_features(config):
        return False
    spec = constellation.envers.get(config.getoption("enver"))
    return spec is not None and spec.embedded


def start(config: pytest.Config) -> None:
    """On the controller of a distributed feature run of an embedded enver: look for a running one."""
    if not _decides(config):
        return
    warm = warm_enver.attach_or_none(config, config.stash[CONSTELLATION])
    config.stash[DECIDED] = {"warm": _address_json(warm) if warm is not None else None}


def hand_to_worker(node: Any) -> None:
    """Tell a starting worker which enver to use."""
    decided = node.config.stash.get(DECIDED, None)
    if decided is not None:
        node.workerinput[WORKERINPUT_KEY] = decided


def report_header(config: pytest.Config) -> str | None:
    decided = config.stash.get(DECIDED, None)
    if decided is None:
        return None
    if decided["warm"] is not None:
        return "odmd-bdd: every worker reuses the running embedded enver"
    return "odmd-bdd: every worker brings up an embedded enver of its own"


def attach_to(config: pytest.Config, constellation: Constellation) -> EmbeddedAddress | None:
    """The running enver this process attaches to, None to bring up its own: the controller's
    answer on a worker it decided for, else this process's own look-up."""
    decided = getattr(config, "workerinput", {}).get(WORKERINPUT_KEY)
    if decided is None:
        return warm_enver.attach_or_none(config, constellation)
    warm = decided["warm"]
    if warm is None:
        return None
    share = ShareSnapshot.from_json(warm["share"]) if warm.get("share") is not None else None
    return EmbeddedAddress(warm["endpoint_url"], warm["region"], share)


def _address_json(address: EmbeddedAddress) -> dict[str, Any]:
    data: dict[str, Any] = {"endpoint_url": address.endpoint_url, "region": address.region, "share": None}
    if address.share is not None:
        data["share"] = address.share.to_json()
    return data
