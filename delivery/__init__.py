"""Delivery helpers that turn Pulumi output into pull-request Markdown."""
