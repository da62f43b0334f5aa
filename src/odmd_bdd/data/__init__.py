"""The project's data, read once per process: the constellation file, the master mock dataset, `${NAME}` placeholders, JSON paths."""
