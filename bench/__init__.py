"""The bench: how fast the harness is (python -m bench; see bench/run.py)."""
