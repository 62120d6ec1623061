"""Shared runtime of every service: skeleton, video and image IO, server bootstrap, settings,
errors, logging and the generated `fitness.v1` stubs (`common.fitness.v1`)."""
