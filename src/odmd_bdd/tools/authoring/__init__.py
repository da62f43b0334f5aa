"""Authoring tools for QA staff who write feature files without Python.

    odmd-bdd steps   the step catalog: every step definition, its parameters, layers and an example
    odmd-bdd lint    check feature files: syntax, undefined steps, unknown constants and tags, duplicates
    odmd-bdd new UCn scaffold a feature file for a use case from the master mock dataset

Step modules declare the layers their steps support with `LAYERS` or `@layers` (see
`odmd_bdd.tools.authoring.layers`); importing this package stays cheap, so step modules may use it.
"""

from odmd_bdd.tools.authoring.layers import KNOWN_LAYERS, layers

__all__ = ["KNOWN_LAYERS", "layers"]
