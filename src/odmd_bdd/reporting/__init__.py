"""Report writers: evidence attached to Allure, redaction of credentials, the run's Markdown summary."""
