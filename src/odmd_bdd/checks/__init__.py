"""Checks: every comparison and contract check a scenario makes, reported as typed problems."""
