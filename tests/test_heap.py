"""The cyclic collector around start-up (odmd_bdd/heap.py): paused while an enver is resolved,
then left as it was found, with what was built out of its way."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from odmd_bdd import heap
from odmd_bdd.errors import EnverError
from odmd_bdd.resolution.envers import resolve_enver


class _Built:
    """A container the collector tracks (plain instances are)."""


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """Every collection the cyclic collector starts while the test runs (its generation)."""
    seen: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def test_building_pauses_the_collector_then_settles_what_it_built():
    assert gc.isenabled()
    with heap.building():
        assert not gc.isenabled()
        built = [_Built() for _ in range(1000)]
        assert all(gc.is_tracked(b) for b in built)
        frozen_before = gc.get_freeze_count()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(built)


def test_building_restores_the_collector_when_the_block_fails():
    with pytest.raises(RuntimeError), heap.building():
        raise RuntimeError("planted")
    assert gc.isenabled()


def test_building_leaves_a_collector_it_found_off_off():
    with heap.building():
        with heap.building():
            pass
        assert not gc.isenabled(), "the inner block turned the collector back on inside the outer one"
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.building():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pause_and_resume_span_a_phase_and_leave_the_collector_as_found():
    heap.pause()
    try:
        assert not gc.isenabled()
        heap.pause()  # the plugin pauses on import and again when a run is configured
        built = [_Built() for _ in range(1000)]
        frozen_before = gc.get_freeze_count()
    finally:
        heap.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(built)
    heap.resume()  # a second resume (the run's end after its scenarios started) changes nothing
    assert gc.isenabled()
    gc.disable()
    try:
        heap.pause()
        heap.resume()
        assert not gc.isenabled(), "resume() turned on a collector its caller had turned off"
    finally:
        gc.enable()


def test_resolving_an_embedded_enver_runs_no_collection(reference_constellation, collections):
    """Start-up makes some hundred thousand objects: with the collector running, it walked them
    again and again (a sixth of the time to ready)."""
    enver = resolve_enver(reference_constellation, "local")
    try:
        assert collections == []
        assert gc.isenabled()
    finally:
        enver.close()


def test_a_failed_resolution_leaves_the_collector_on(reference_constellation, tmp_path):
    bad = tmp_path / "urls.yaml"
    bad.write_text("base_urls: [not, a, mapping]\n")
    with pytest.raises(EnverError, match="urls.yaml"):
        resolve_enver(reference_constellation, "local", base_url_file=bad)
    assert gc.isenabled()
