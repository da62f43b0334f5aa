"""The checkpoint's checklist items, one module each. A check measures and returns data (its
findings, what went wrong as `checks.problems.Problem`s); `tools.checkpoint.render` turns that
into an `Item` with its ✔/✘ evidence lines.

- 0A: `base_url_published`, `base_url_reachable`, `schema_artifact`;
- 0B: `artifact_valid`, `invalid_request`, `valid_request`, `projection` (the BDD items are
  `tools.checkpoint.bdd`);
- 1A: `real_answers`, `real_events`.
"""
