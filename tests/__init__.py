"""Tests of Smart Fitness Trainer, one folder per package."""
