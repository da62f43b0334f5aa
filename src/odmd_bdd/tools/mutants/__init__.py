"""Generated mutants: faults derived from the contracts and the dataset, run against the scenarios
that exercise them (`odmd-bdd mutate`, `make reliability`)."""
