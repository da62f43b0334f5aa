"""Checks: every comparison and contract check a scenario makes, reported as typed problems.

Importing the package registers every family (see `problems.REGISTRY`): contract (OpenAPI
requests and answers), event (AsyncAPI payloads), gui_capture (the web client's traffic),
gui_text (the text the web client shows), feature (feature-file text that misleads).
`checks.expect` (Then-step comparisons) registers when the steps import it.
"""

from odmd_bdd.checks import contract, events, feature_text, gui_capture, gui_text

__all__ = ["contract", "events", "feature_text", "gui_capture", "gui_text"]
