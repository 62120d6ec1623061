"""Generated stubs of package fitness.v1 (do not edit: run `make proto`)."""
