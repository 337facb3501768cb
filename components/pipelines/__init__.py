"""One dataset's pipeline, declared from one `pipelines[]` entry: the crawler of its raw prefix,
the Glue ETL job that ships the repository's script, the ingestion Lambda and its trigger, and the
Step Functions state machine built with the typed ASL builder in `asl/`, which joins them.
"""
