"""The public entry point: `fitness.v1.Gateway` orchestrates pose, action and scoring."""
