"""The alert function: readable alerts from S3 events and failed executions."""
