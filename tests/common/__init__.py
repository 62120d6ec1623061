"""Tests of the shared runtime."""
