"""A declared warehouse migration reaches what else holds the old column: the Glue job rewrites
every curated Parquet file written before it (each on its own, in its partition), the manifests
still pending, held or dead-lettered name the new files, and the catalog table takes the new
columns. On emulated AWS with the shipped script and the job arguments the program declares: a
run with the configuration before the migration, then runs with the one after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from offline.capture import Capture, capture_stack
from pipeline_run.deployment import deployments
from pipeline_run.emulation import Emulation
from pipeline_run.local_glue import JobRun
from runtime.glue import etl_job
from tests.stacks import fixture_values

BEFORE: dict[str, Any] = {
    "name": "migrating",
    "source_prefix": "migrating/",
    "format": "csv",
    "trigger": {"kind": "object-created"},
    "target_table": "migrating_orders",
    "required_columns": ["order_id", "amount", "updated_at"],
    "optional_columns": ["note", "legacy"],
    "key_columns": ["order_id"],
    "order_column": "updated_at",
    "column_types": {"order_id": "int", "amount": "float", "updated_at": "timestamp"},
    "partition_source_column": "updated_at",
}
MIGRATIONS: list[dict[str, Any]] = [
    {"version": 1, "kind": "retype", "table": "migrating_orders", "column": "amount",
     "to": "decimal(12,2)"},
    {"version": 2, "kind": "rename", "table": "migrating_orders", "column": "note",
     "to": "remark"},
    {"version": 3, "kind": "drop", "table": "migrating_orders", "column": "legacy"},
]  # fmt: skip
AFTER: dict[str, Any] = {
    **BEFORE,
    "optional_columns": ["remark"],
    "column_types": {**BEFORE["column_types"], "amount": "decimal(12,2)"},
}
FIRST = (
    "order_id,amount,updated_at,note,legacy\n"
    "1,10.5,2024-05-01T08:00:00Z,11,x\n"
    "2,20.25,2024-05-01T09:00:00Z,12,y\n"
    "3,30,2024-05-02T08:00:00Z,,z\n"
)
LATER = "order_id,amount,updated_at,remark\n4,40.75,2024-05-03T08:00:00Z,fourth\n"


def _capture(pipeline: dict[str, Any], migrations: list[dict[str, Any]]) -> Capture:
    values = fixture_values("dev")
    platform = values["data-platform:platform"]
    platform["pipelines"] = [pipeline]
    platform["warehouse"]["migrations"] = migrations
    return capture_stack("dev", values=values)


@dataclass
class Migrated:
    """The files, rows, manifests and catalog before the migration and after each later run."""

    before_keys: list[str]
    before_rows: list[dict[str, Any]]
    first_manifest: dict[str, Any]
    migrating: JobRun
    after_keys: list[str]
    after_rows: list[dict[str, Any]]
    schemas: dict[str, list[tuple[str, str]]]
    manifests: dict[str, dict[str, Any]]
    catalog_columns: list[tuple[str, str]]
    record: dict[str, Any]
    partition_columns: list[tuple[str, str]]
    later: JobRun
    later_keys: list[str]
    later_rows: list[dict[str, Any]]
    refused: JobRun
    refused_keys: list[str]
    arguments: dict[str, str]


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def _read(spark: Any, s3: Any, bucket: str, keys: list[str], workdir: Path) -> list[Any]:
    """Each file on its own, as a DataFrame of what it holds."""
    frames = []
    for key in keys:
        path = workdir / f"{len(list(workdir.iterdir()))}-{key.replace('/', '_')}"
        path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        frames.append(spark.read.parquet(str(path)))
    return frames


def _rows(frames: list[Any]) -> list[dict[str, Any]]:
    rows = [row.asDict() for frame in frames for row in frame.collect()]
    return sorted(rows, key=lambda r: r["order_id"])


def _run(emulation: Emulation, job: str, arguments: dict[str, str] | None = None) -> JobRun:
    glue = emulation.glue
    run = glue.job_run(job, glue.start_job_run(job, arguments))
    assert run.done.wait(300), "the job run did not end"
    return run


@pytest.fixture(scope="module")
def migrated(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Migrated:
    workdir = tmp_path_factory.mktemp("migrations")
    before_capture = _capture(BEFORE, [])
    after_capture = _capture(AFTER, MIGRATIONS)
    with Emulation(after_capture, spark=lambda: spark, workdir=workdir) as emulation:
        pipeline = emulation.pipelines["migrating"]
        s3, glue = emulation.clients.s3, emulation.clients.glue
        raw, curated = pipeline.raw_bucket, pipeline.curated_bucket
        settings = pipeline.settings
        arguments = dict(pipeline.job.inputs["defaultArguments"])
        old = deployments(before_capture)["migrating"]
        # The job as deployed before the migration: its arguments then, and no migrations.
        before = {**old.job.inputs["defaultArguments"], "--migrations": "[]"}
        s3.put_object(Bucket=raw, Key="migrating/first.csv", Body=FIRST.encode())
        first = _run(emulation, pipeline.job_name, before)
        assert (first.state, first.error) == ("SUCCEEDED", None)
        data = f"{settings.target_table}/"
        before_keys = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        before_rows = _rows(_read(spark, s3, curated, before_keys, workdir))
        (pending,) = _keys(s3, curated, settings.manifest_prefix)
        first_manifest = json.loads(s3.get_object(Bucket=curated, Key=pending)["Body"].read())
        # The same batch also held back, and dead-lettered: every kept manifest is rewritten.
        for prefix in (settings.held_prefix, settings.dead_letter_prefix):
            s3.copy_object(
                Bucket=curated,
                Key=f"{prefix}first.json",
                CopySource={"Bucket": curated, "Key": pending},
            )
        # In AWS the sink also registers the run's partitions (the local runtime does not).
        database, name = arguments["--target_database"], arguments["--target_table"]
        table = glue.get_table(DatabaseName=database, Name=name)["Table"]
        glue.create_partition(
            DatabaseName=database,
            TableName=name,
            PartitionInput={
                "Values": ["2024-05-01"],
                "StorageDescriptor": {
                    **table["StorageDescriptor"],
                    "Location": f"s3://{curated}/{data}ingest_date=2024-05-01/",
                },
            },
        )
        # The deployed job's next run: it only migrates (no new file).
        migrating = _run(emulation, pipeline.job_name)
        after_keys = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        tables = _read(spark, s3, curated, after_keys, workdir)
        schemas = {
            key: [(f.name, f.dataType.simpleString()) for f in table.schema.fields]
            for key, table in zip(after_keys, tables, strict=True)
        }
        manifests = {
            key: json.loads(s3.get_object(Bucket=curated, Key=key)["Body"].read())
            for prefix in (settings.held_prefix, settings.dead_letter_prefix)
            for key in _keys(s3, curated, prefix)
        }
        manifests[pending] = json.loads(s3.get_object(Bucket=curated, Key=pending)["Body"].read())
        table = glue.get_table(DatabaseName=database, Name=name)["Table"]
        catalog_columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
        (partition,) = glue.get_partitions(DatabaseName=database, TableName=name)["Partitions"]
        partition_columns = [
            (c["Name"], c["Type"]) for c in partition["StorageDescriptor"]["Columns"]
        ]
        ledger_bucket, _, ledger = arguments["--ledger_prefix"].removeprefix("s3://").partition("/")
        record = json.loads(
            s3.get_object(Bucket=ledger_bucket, Key=f"{ledger}_migrations.json")["Body"].read()
        )
        s3.put_object(Bucket=raw, Key="migrating/later.csv", Body=LATER.encode())
        later = _run(emulation, pipeline.job_name)
        later_keys = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        later_rows = _rows(_read(spark, s3, curated, later_keys, workdir))
        # A retype whose values do not cast: the run fails and no file changes.
        bad = [*json.loads(arguments["--migrations"]), {"version": 4, "kind": "retype",
               "column": "remark", "to": "int"}]  # fmt: skip
        refused = _run(emulation, pipeline.job_name, {"--migrations": json.dumps(bad)})
        refused_keys = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        return Migrated(
            before_keys=before_keys,
            before_rows=before_rows,
            first_manifest=first_manifest,
            migrating=migrating,
            after_keys=after_keys,
            after_rows=_rows(tables),
            schemas=schemas,
            manifests=manifests,
            catalog_columns=catalog_columns,
            record=record,
            partition_columns=partition_columns,
            later=later,
            later_keys=later_keys,
            later_rows=later_rows,
            refused=refused,
            refused_keys=refused_keys,
            arguments=arguments,
        )


def test_the_job_is_given_its_tables_migrations_and_its_dead_letter_prefix(
    migrated: Migrated,
) -> None:
    declared = json.loads(migrated.arguments["--migrations"])
    assert declared == [{k: v for k, v in m.items() if k != "table"} for m in MIGRATIONS]
    assert migrated.arguments["--dead_letter_prefix"].endswith("_dead_letter/migrating_orders/")


def test_every_curated_file_written_before_takes_the_migrations_and_keeps_its_rows(
    migrated: Migrated,
) -> None:
    assert (migrated.migrating.state, migrated.migrating.error) == ("SUCCEEDED", None)
    assert not set(migrated.before_keys) & set(migrated.after_keys), "old files are replaced"
    for key, schema in migrated.schemas.items():
        names = dict(schema)
        assert names["amount"] == "decimal(12,2)", key
        assert "remark" in names and "note" not in names and "legacy" not in names, key
    before = {r["order_id"]: r for r in migrated.before_rows}
    after = {r["order_id"]: r for r in migrated.after_rows}
    assert sorted(after) == sorted(before) == [1, 2, 3], "every row kept"
    for key, row in before.items():
        assert after[key]["amount"] == Decimal(str(row["amount"])).quantize(Decimal("0.01"))
        assert after[key]["remark"] == row["note"]
        assert after[key]["updated_at"] == row["updated_at"]


def test_the_manifests_still_kept_name_the_new_files_of_their_batch(migrated: Migrated) -> None:
    old = {e["url"].rsplit("/", 1)[0] for e in migrated.first_manifest["entries"]}
    assert len(migrated.manifests) == 3, "pending, held and dead-lettered"
    for key, manifest in migrated.manifests.items():
        urls = [e["url"] for e in manifest["entries"]]
        assert urls, key
        for url in urls:
            _, _, path = url.removeprefix("s3://").partition("/")
            assert path in migrated.after_keys, f"{key} names {url}, which does not exist"
            assert url.rsplit("/", 1)[0] in old, "the batch's partitions only"
        assert all(e["meta"]["content_length"] > 0 for e in manifest["entries"])
    # Each names exactly the replacements of the first batch's files.
    first_batch = sorted(migrated.after_keys)
    for manifest in migrated.manifests.values():
        paths = sorted(
            e["url"].removeprefix("s3://").partition("/")[2] for e in manifest["entries"]
        )
        assert paths == first_batch


def test_the_catalog_table_and_its_partitions_take_the_new_columns(migrated: Migrated) -> None:
    """Before any new file is curated: the migration, not the next write, changes them."""
    for columns in (dict(migrated.catalog_columns), dict(migrated.partition_columns)):
        assert columns["amount"] == "decimal(12,2)"
        assert "remark" in columns and "note" not in columns and "legacy" not in columns


def test_each_migration_is_applied_once_and_later_runs_curate_in_the_new_columns(
    migrated: Migrated,
) -> None:
    assert migrated.record == {"applied": [1, 2, 3], "pending": None}
    assert (migrated.later.state, migrated.later.error) == ("SUCCEEDED", None)
    assert migrated.later.report is not None
    assert migrated.later.report["migrations_applied"] == []
    assert set(migrated.after_keys) < set(migrated.later_keys), "a later run rewrites nothing"
    assert [r["order_id"] for r in migrated.later_rows] == [1, 2, 3, 4]
    assert migrated.later_rows[3]["remark"] == "fourth"
    assert migrated.later_rows[3]["amount"] == Decimal("40.75")


def test_a_retype_whose_values_do_not_cast_fails_the_run_and_changes_no_file(
    migrated: Migrated,
) -> None:
    """The remarks of the first partitions are whole numbers, the last one's is not: every file
    is checked before any is rewritten."""
    assert migrated.refused.state == "FAILED"
    assert "migration 4" in str(migrated.refused.error)
    assert "do not cast to int" in str(migrated.refused.error)
    assert migrated.refused_keys == migrated.later_keys


def test_a_run_that_stopped_while_migrating_a_file_is_finished_without_a_duplicate_row(
    spark: Any, tmp_path: Path
) -> None:
    """A run stopped after it wrote part of a file's replacement: the next run removes what was
    written and migrates the file again, so each row is in one file."""
    after_capture = _capture(AFTER, MIGRATIONS)
    with Emulation(after_capture, spark=lambda: spark, workdir=tmp_path) as emulation:
        pipeline = emulation.pipelines["migrating"]
        s3, raw, curated = emulation.clients.s3, pipeline.raw_bucket, pipeline.curated_bucket
        before = {
            **deployments(_capture(BEFORE, []))["migrating"].job.inputs["defaultArguments"],
            "--migrations": "[]",
        }
        s3.put_object(Bucket=raw, Key="migrating/first.csv", Body=FIRST.encode())
        assert _run(emulation, pipeline.job_name, before).state == "SUCCEEDED"
        data = f"{pipeline.settings.target_table}/"
        files = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        stopped_at = files[0]
        folder = stopped_at.rpartition("/")[0] + "/"
        held = [k for k in files if k.startswith(folder)]
        # What the stopped run left: its record, and a copy of the file's rows written beside it.
        partial = f"{folder}part-partial.parquet"
        s3.copy_object(
            Bucket=curated, Key=partial, CopySource={"Bucket": curated, "Key": stopped_at}
        )
        ledger_bucket, _, ledger = (
            pipeline.job.inputs["defaultArguments"]["--ledger_prefix"]
            .removeprefix("s3://")
            .partition("/")
        )
        record = {"applied": [], "pending": {"version": 1, "file": stopped_at, "before": held}}
        s3.put_object(
            Bucket=ledger_bucket,
            Key=f"{ledger}_migrations.json",
            Body=json.dumps(record).encode(),
        )
        resumed = _run(emulation, pipeline.job_name)
        assert (resumed.state, resumed.error) == ("SUCCEEDED", None)
        kept = [k for k in _keys(s3, curated, data) if k.endswith(".parquet")]
        rows = _rows(_read(spark, s3, curated, kept, tmp_path))
        finished = json.loads(
            s3.get_object(Bucket=ledger_bucket, Key=f"{ledger}_migrations.json")["Body"].read()
        )
    assert partial not in kept
    assert [r["order_id"] for r in rows] == [1, 2, 3], "no row twice, none lost"
    assert finished == {"applied": [1, 2, 3], "pending": None}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "--migrations is not JSON"),
        ('{"version": 1}', "must be a JSON list"),
        ('[{"kind": "drop", "column": "a"}]', "needs an integer version"),
        ('[{"version": 1, "kind": "split", "column": "a"}]', "is not one of retype, rename, drop"),
        ('[{"version": 1, "kind": "retype", "column": "a", "to": "money"}]', "is no column type"),
        ('[{"version": 1, "kind": "rename", "column": "a"}]', "rename needs `to`"),
        ('[{"version": 1, "kind": "drop", "column": "a"}, {"version": 1, "kind": "drop",'
         ' "column": "b"}]', "repeats a version"),
    ],
)  # fmt: skip
def test_bad_migration_arguments_are_refused_naming_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(etl_job.SpecError, match=re.escape(message)):
        etl_job.parse_migrations(value)


def test_migrations_are_applied_in_version_order() -> None:
    found = etl_job.parse_migrations(
        '[{"version": 2, "kind": "drop", "column": "b"},'
        ' {"version": 1, "kind": "retype", "column": "a", "to": "decimal(12,2)"}]'
    )
    assert [(m.version, m.kind) for m in found] == [(1, "retype"), (2, "drop")]


def test_a_job_given_migrations_is_updated_after_its_warehouse_table_applied_them() -> None:
    """The deploy loads the manifests still pending before the table's migration; the job that
    would rewrite their files takes its migrations only after that."""
    capture = _capture(AFTER, MIGRATIONS)
    (table,) = [
        r
        for r in capture.resources
        if r.type.endswith("warehouse:Table") and r.name.endswith("table-migrating_orders")
    ]
    (job,) = [r for r in capture.resources if r.type == "aws:glue/job:Job"]
    assert table.urn in job.dependencies
    unmigrated = _capture(BEFORE, [])
    (plain,) = [r for r in unmigrated.resources if r.type == "aws:glue/job:Job"]
    assert not any("warehouse:" in urn for urn in plain.dependencies)


@pytest.mark.parametrize(
    ("values", "spark_type", "to", "lost"),
    [
        ([1.0, 1.9, None, float("nan"), 1e30], "double", "int", 3),
        (["1", "01", "1.9", "x", None], "string", "int", 3),
        ([0.1 + 0.2, 10.5, 1e20], "double", "decimal(12,2)", 1),
        (["2024-05-01T08:00:00Z", "later", None], "string", "timestamp", 1),
        ([1.5, None], "double", "string", 0),
    ],
)
def test_a_retype_loses_the_values_that_do_not_survive_its_cast(
    spark: Any, values: list[Any], spark_type: str, to: str, lost: int
) -> None:
    """NULL after the cast, or for `int` not the whole number it was; rounding to a decimal's
    scale is the declared change."""
    frame = spark.createDataFrame([(v,) for v in values], f"c {spark_type}")
    migration = etl_job.ColumnMigration(1, "retype", "c", to)
    assert etl_job.lost_values(frame, migration) == lost
