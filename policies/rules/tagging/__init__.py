"""Tagging rules."""
