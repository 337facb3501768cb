"""The code that runs in AWS, shipped by the program as assets: the Glue ETL script (`glue/`) and
the ingestion Lambda handler (`ingest/`). Nothing here imports the Pulumi program."""
