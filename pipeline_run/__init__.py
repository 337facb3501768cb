"""Run a declared pipeline end to end: land a file, trigger the pipeline as AWS would, wait for
its execution and read what it did. `make run-local` runs it on emulated AWS built from the
program's own offline capture (moto, the Glue job on local Spark, the warehouse's SQL on DuckDB);
the driver itself only speaks boto3, so it works against a deployed environment too.
"""
