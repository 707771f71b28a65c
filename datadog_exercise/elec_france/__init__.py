"""The `elec_france` Agent check: configuration, fetch policy, persistent state and submission."""
