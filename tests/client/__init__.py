"""Tests of the `fitness` command line."""
