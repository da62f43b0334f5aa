"""Names shared across the package, defined once: the layers, the run header, default paths, step words."""

from __future__ import annotations

from pathlib import Path

LAYERS: tuple[str, ...] = ("api", "gui")  # every layer a scenario can run on, in run order
DEFAULT_LAYER = LAYERS[0]  # the layer of a test not parametrized over layers
RUN_HEADER = "X-Odmd-Run"  # the run id every request carries: per-run enver state and event queues
DEFAULT_CONSTELLATION = Path("fixtures") / "envers" / "constellation.yaml"  # relative to the project root
STEP_WORDS: tuple[str, ...] = ("Given", "When", "Then", "And", "But")  # the Gherkin step keywords
