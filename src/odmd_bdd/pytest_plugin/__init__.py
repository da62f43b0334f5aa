"""The pytest plugin: thin hooks and fixtures over the engine in odmd_bdd/harness/.

Registered through the `pytest11` entry point, so pytest finds it wherever odmd-bdd is
installed; the project's own options name it (`-p odmd_bdd.pytest_plugin`, with plugin
autoloading off: pyproject.toml). Each hook and fixture delegates to one harness module:

    hooks.py        options, project loading, feature collection, layers, report hygiene
    fixtures.py     the enver, the actors, transports, events, the GUI browser and session
    distribution.py xdist workers and CI shards (harness/shards.py)
    xdist_enver.py  which enver the xdist workers use (harness/worker_envers.py)

The objects pytest made before it loaded the plugin are settled first, and the cyclic collector
is paused until the first scenario (odmd_bdd/heap.py).
"""

from __future__ import annotations

import pytest

from odmd_bdd import heap

heap.settle()

PARTS = (
    "odmd_bdd.pytest_plugin.hooks",
    "odmd_bdd.pytest_plugin.fixtures",
    "odmd_bdd.pytest_plugin.distribution",
    "odmd_bdd.pytest_plugin.xdist_enver",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the parts as this plugin is registered. Not through `pytest_plugins`: pytest looks
    each name listed there up among every installed package's entry points first, a scan of the
    whole environment per name.

    The cyclic collector is paused from here, before the parts import the engine, until the
    scenarios start (hooks.pytest_runtestloop) or the run ends however it ends: the run's config
    resumes it in its clean-up, which pytest runs after a usage error too. Paused on registration,
    not on import, so that importing the module alone pauses nothing and every run in a process
    (each registers the plugin anew) is paused."""
    heap.pause()
    config = pluginmanager.get_plugin("pytestconfig")  # the Config registers itself under that name
    if config is not None:
        config.add_cleanup(heap.resume)
    for name in PARTS:
        pluginmanager.import_plugin(name)
