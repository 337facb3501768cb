"""The `awsglue` API surface the repository's Glue scripts use, on local Spark (see
pipeline_run/glue_runtime/README.md)."""
