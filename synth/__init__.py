"""The synthetic gym: rendered exercise videos with exact labels."""
