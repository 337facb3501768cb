"""Developer tools that regenerate the pack's data files from installed SDKs."""
