"""Wiring only: load every step module in steps/ (the engine comes in as a pytest plugin)."""

from pathlib import Path

pytest_plugins = sorted(f"steps.{p.stem}" for p in (Path(__file__).parent / "steps").glob("*_steps.py"))
