"""GlueContext: the Spark session, the S3 and catalog sources (with bookmarks) and the
catalog-updating S3 sink, as the repository's scripts use them.

The DynamicFrame sources type each value as Glue's do: a DynamicFrame is self-describing and
"AWS Glue computes a schema on-the-fly when required, and explicitly encodes schema
inconsistencies using a choice (or union) type" (AWS Glue developer guide, "DynamicFrame class",
aws-glue-api-crawler-pyspark-extensions-dynamic-frame.html). A CSV or JSON value that reads as a
number becomes one (`00123` becomes 123); a column holding values of several types (`20` and
`19.90`: int and double) is a choice, which `toDF()` hands over as a struct with one field per
type, as ResolveChoice's `make_struct` describes (aws-glue-api-crawler-pyspark-transforms-
ResolveChoice.html). Records do not span lines: CSV `multiLine` is off by default ("Using the
CSV format in AWS Glue", aws-glue-programming-etl-format-csv-home.html).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from awsglue import local
from awsglue.dynamicframe import DynamicFrame


class GlueContext:
    def __init__(self, spark_context: Any) -> None:
        from pyspark.sql import SparkSession

        self.spark_session = SparkSession.builder.getOrCreate()
        self.create_dynamic_frame = _Sources(self)

    def getSink(  # noqa: N802
        self,
        connection_type: str,
        path: str,
        partitionKeys: Sequence[str] = (),  # noqa: N803
        **options: Any,
    ) -> _S3Sink:
        if connection_type != "s3":
            raise ValueError(f"the local Glue runtime writes only to s3, not {connection_type}")
        update = bool(options.get("enableUpdateCatalog"))
        schema_changes = options.get("updateBehavior", "UPDATE_IN_DATABASE") == "UPDATE_IN_DATABASE"
        return _S3Sink(self, path, list(partitionKeys), update and schema_changes)


class _Sources:
    def __init__(self, context: GlueContext) -> None:
        self._context = context

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any],
        format: str,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str | None = None,
    ) -> DynamicFrame:
        if connection_type != "s3":
            raise ValueError(f"the local Glue runtime reads only from s3, not {connection_type}")
        run = local.current()
        objects = run.new_objects(transformation_ctx, list(connection_options["paths"]))
        header = bool((format_options or {}).get("withHeader"))
        frame = _typed_per_value(_read(self._context.spark_session, run, objects, format, header))
        run.rows_read += frame.count() if objects else 0
        return DynamicFrame.fromDF(frame, self._context, transformation_ctx or "source")

    def from_catalog(
        self, database: str, table_name: str, transformation_ctx: str | None = None
    ) -> DynamicFrame:
        table = local.current().glue.get_table(DatabaseName=database, Name=table_name)["Table"]
        descriptor = table["StorageDescriptor"]
        kind = table.get("Parameters", {}).get("classification", "csv")
        return self.from_options(
            "s3",
            {"paths": [descriptor["Location"]]},
            "json" if kind == "json" else "csv",
            {"withHeader": True},
            transformation_ctx,
        )


def _read(
    spark: Any, run: local.LocalRun, objects: list[tuple[str, str]], fmt: str, header: bool
) -> Any:
    """The objects as one DataFrame; no rows and no columns when there are none (as Glue)."""
    if not objects:
        return spark.createDataFrame([], "struct<>")
    folder = Path(tempfile.mkdtemp(dir=run.workdir, prefix="source-"))
    for index, (path, _etag) in enumerate(objects):
        bucket, key = path.split("/", 1)
        body = run.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        (folder / f"{index:05d}-{Path(key).name}").write_bytes(body)
    if fmt == "csv":
        return spark.read.options(header=str(header).lower()).csv(str(folder))
    return spark.read.options(primitivesAsString="true").json(str(folder))


_INT32 = (-(2**31), 2**31 - 1)


def _typed_per_value(frame: Any) -> Any:
    """Each string column typed per value: int, bigint, double or string; a column with values
    of several types becomes a struct of them (the choice type as `toDF()` returns it)."""
    from pyspark.sql import functions as sf

    kinds = {name: _value_type(sf.col(name)) for name in frame.columns}
    seen = frame.select(*[sf.collect_set(kind).alias(name) for name, kind in kinds.items()]).first()
    typed = []
    for name, kind in kinds.items():
        found = sorted(seen[name]) if seen is not None else []
        if len(found) <= 1:
            spark_type = found[0] if found else "string"
            typed.append(sf.col(name).cast(spark_type).alias(name))
        else:
            fields = [sf.when(kind == k, sf.col(name).cast(k)).alias(k) for k in found]
            typed.append(sf.struct(*fields).alias(name))
    return frame.select(*typed)


def _value_type(value: Any) -> Any:
    from pyspark.sql import functions as sf

    whole = value.rlike(r"^[+-]?[0-9]+$")
    number = value.rlike(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
    as_long = value.cast("bigint")
    return (
        sf.when(value.isNull() | (value == ""), sf.lit(None))
        .when(whole & as_long.between(*_INT32), sf.lit("int"))
        .when(whole & as_long.isNotNull(), sf.lit("bigint"))
        .when(number, sf.lit("double"))
        .otherwise(sf.lit("string"))
    )


class _S3Sink:
    """Partitioned Parquet under `path`; with enableUpdateCatalog, the table in the catalog."""

    def __init__(
        self, context: GlueContext, path: str, partition_keys: list[str], update_catalog: bool
    ) -> None:
        self._context, self._path, self._keys = context, path, partition_keys
        self._update_catalog = update_catalog
        self._catalog: tuple[str, str] | None = None

    def setFormat(self, format: str, **options: Any) -> None:  # noqa: N802
        if format not in ("glueparquet", "parquet"):
            raise ValueError(f"the local Glue runtime writes Parquet, not {format}")

    def setCatalogInfo(self, catalogDatabase: str, catalogTableName: str) -> None:  # noqa: N802, N803
        self._catalog = (catalogDatabase, catalogTableName)

    def writeFrame(self, frame: DynamicFrame) -> None:  # noqa: N802
        run, data = local.current(), frame.toDF().persist()  # written, then counted
        out = Path(tempfile.mkdtemp(dir=run.workdir, prefix="sink-")) / "out"
        data.write.partitionBy(*self._keys).parquet(str(out))
        bucket, _, prefix = self._path.removeprefix("s3://").partition("/")
        for file in sorted(out.rglob("*.parquet")):
            key = f"{prefix}{file.relative_to(out).as_posix()}"
            run.s3.put_object(Bucket=bucket, Key=key, Body=file.read_bytes())
        run.rows_written += data.count()
        if self._update_catalog and self._catalog is not None:
            self._put_table(run, data)
        data.unpersist()

    def _put_table(self, run: local.LocalRun, data: Any) -> None:
        database, name = self._catalog or ("", "")
        table = {
            "Name": name,
            "StorageDescriptor": {
                "Columns": [
                    {"Name": f.name, "Type": f.dataType.simpleString()}
                    for f in data.schema.fields
                    if f.name not in self._keys
                ],
                "Location": self._path,
            },
            "PartitionKeys": [{"Name": key, "Type": "string"} for key in self._keys],
            "Parameters": {"classification": "parquet"},
        }
        try:
            run.glue.create_table(DatabaseName=database, TableInput=table)
        except run.glue.exceptions.AlreadyExistsException:
            run.glue.update_table(DatabaseName=database, TableInput=table)
