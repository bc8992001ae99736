"""The inbox JSON API, split by topic."""
