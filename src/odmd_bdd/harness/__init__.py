"""The engine behind the pytest plugin: options, collection of feature files, layers, fixtures' logic, report hygiene."""
