"""Encryption rules."""
