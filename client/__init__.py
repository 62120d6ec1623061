"""The `fitness` command-line client."""
