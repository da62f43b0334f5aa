"""The command-line tools: `odmd-bdd check`, `project`, `checkpoint`, `reliability`, `steps`, `lint`, `new` and the CLI itself."""
