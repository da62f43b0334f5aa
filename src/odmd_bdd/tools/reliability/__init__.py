"""Proving the harness catches what it should: fault plans, the fault catalog, the matrix."""
