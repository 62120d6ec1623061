"""Tests of the synthetic gym."""
