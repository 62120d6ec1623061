"""Tests of the action service."""
