"""Shared machinery every rule module uses: metadata model, value views, waivers, policy builder."""
