"""Rule modules, one rule each, grouped by category; the registry lists them explicitly."""
