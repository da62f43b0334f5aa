"""pytest plugin of the bench: `--bench-repeat N` runs every scenario N times.

Loaded with `-p bench.repeat`. Each repetition is its own test (`…[api-r0]`, `…[api-r1]` …)
with its own World, run id and queues, exactly as N copies of the feature would be; the
bench uses it to see how the cost grows with the number of scenarios.
"""

from __future__ import annotations

import pytest

FIXTURE = "odmd_bench_repetition"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench-repeat", type=int, default=1, metavar="N", help="run every scenario N times (bench)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    count = metafunc.config.getoption("bench_repeat")
    if count > 1 and str(getattr(metafunc.module, "__file__", "")).endswith(".feature"):
        metafunc.fixturenames.append(FIXTURE)
        metafunc.parametrize(FIXTURE, range(count), ids=lambda i: f"r{i}")
