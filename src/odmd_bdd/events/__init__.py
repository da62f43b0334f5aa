"""Events: the run-isolated SQS queues the enver publishes to, and the inbox a scenario reads them from."""
