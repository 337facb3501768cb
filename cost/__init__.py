"""The cost model: prices the resources a stack declares from per-region price tables."""
