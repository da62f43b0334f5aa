"""odmd-bdd: one Gherkin spec per use case, run at the API and the GUI level against an enver."""

__version__ = "0.1.0"
