"""Tests of the pose service."""
