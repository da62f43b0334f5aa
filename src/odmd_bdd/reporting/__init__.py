"""Report writers: evidence attached to Allure, trace scrubbing, the run's Markdown summary (redaction: odmd_bdd.redaction)."""
