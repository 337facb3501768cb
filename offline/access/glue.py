"""The Glue principals: a job acts on the S3 locations and catalog table its arguments name, with
its script's own SDK calls, under its security configuration; a crawler reads its S3 targets
into its database. Each need is listed with the AWS Glue document it comes from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from offline.access.calls import Call, call
from offline.access.platform import (
    CRAWLER,
    JOB,
    NOT_MADE,
    SECURITY_CONFIGURATION,
    Extract,
    Target,
    UnplacedCallError,
    bind,
    s3_arn,
    s3_calls,
)
from offline.access.world import Role, World
from offline.mocks import Registration
from stack_config.pipelines import METRICS_NAMESPACE

# What a job does with each S3 location its arguments name (runtime/glue/etl_job.py): reads
# the source, writes the curated table (and lists its files for the manifest), writes manifests,
# and uses the temporary directory. An S3 argument missing here fails the proof until its access
# is named: the grant it needs cannot be inferred from a URL.
READ = ("s3:GetObject", "s3:ListBucket")
WRITE = ("s3:PutObject",)
READ_WRITE = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
JOB_S3_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "--source_path": READ,
    "--target_path": READ_WRITE,
    "--manifest_prefix": WRITE,
    "--held_prefix": WRITE,
    "--run_report_prefix": WRITE,
    # Given with `--migrations`: a dead-lettered manifest naming a file the job replaces is
    # read and rewritten.
    "--dead_letter_prefix": ("s3:GetObject", "s3:PutObject", "s3:ListBucket"),
    # The files the job has read: recorded, listed, forgotten when they expire from the source.
    "--ledger_prefix": READ_WRITE,
    # Reject records: Spark writes them as a partitioned table, like the curated one.
    "--rejects_path": READ_WRITE,
    # Copies of the files it cannot curate (a managed copy: multipart above 8 MB).
    "--quarantine_path": (*WRITE, "s3:AbortMultipartUpload"),
    "--TempDir": READ_WRITE,
    "--extra-py-files": ("s3:GetObject",),
}
# The catalog actions of a job that updates its table's schema and partitions (AWS Glue
# Developer Guide, "Updating the schema, and adding new partitions in the Data Catalog using
# AWS Glue ETL jobs"), each authorized on the catalog, the database and the table.
JOB_CATALOG = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchCreatePartition",
)
# A crawler's catalog actions (AWS Glue Developer Guide, "Crawler prerequisites").
CRAWLER_CATALOG = (
    *JOB_CATALOG,
    "glue:GetTables",
    "glue:BatchGetPartition",
    "glue:UpdatePartition",
)
# Logs under a security configuration that encrypts CloudWatch Logs go to groups Glue creates and
# associates with the key as the role (AWS Glue Developer Guide, "Setting up encryption in AWS
# Glue", CloudWatch Logs): /aws-glue/jobs/logs-v2-<configuration>, /aws-glue/crawlers-...
LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:AssociateKmsKey",
)
CATALOG_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
# Paths Spark reads or writes as directories: its S3 file system HEADs the path's own key first
# (Apache Hadoop, "S3A: getFileStatus").
SPARK_PATHS = frozenset({"--source_path", "--target_path", "--rejects_path"})
# The table of reject records (the program's): the job reads it and adds partitions.
REJECTS_CATALOG = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchCreatePartition",
)


def _region_account(world: World, registration: Registration) -> tuple[str, str]:
    stack = world.stack_of(registration)
    return stack.region, stack.account


def _split(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix


def s3_targets(url: str, actions: tuple[str, ...]) -> list[Target]:
    bucket, prefix = _split(url)
    found: list[Target] = []
    for action in actions:
        if action == "s3:ListBucket":
            found.append((action, s3_arn(bucket), {"s3:prefix": prefix}))
        else:
            key = prefix if "." in prefix.rsplit("/", 1)[-1] else f"{prefix}part-0000"
            found.append((action, s3_arn(bucket, key), {}))
    return found


def job_calls(world: World, extract: Extract, account_key_alias: str) -> Iterator[Call]:
    for job in world.of_type(JOB):
        role = world.role_of(job, "roleArn")
        assert role is not None, f"{job.name}: its role is not declared"
        name, args = job.inputs["name"], dict(job.inputs.get("defaultArguments") or {})
        origin = f"Glue job {name}"
        script = job.inputs["command"]["scriptLocation"]
        yield from s3_calls(
            world, role, s3_targets(script, ("s3:GetObject",)), f"{origin} loads its script"
        )
        targets: dict[str, list[Target]] = {}
        for argument, value in args.items():
            if not (isinstance(value, str) and value.startswith("s3://")):
                continue
            if argument not in JOB_S3_ARGUMENTS:
                raise UnplacedCallError(
                    f"{origin}: argument {argument} is an S3 location with no access named in "
                    "offline/access/glue.py JOB_S3_ARGUMENTS"
                )
            targets[argument] = s3_targets(value, JOB_S3_ARGUMENTS[argument])
            if argument in SPARK_PATHS:
                bucket, prefix = _split(value)
                targets[argument].append(("s3:GetObject", s3_arn(bucket, prefix.rstrip("/")), {}))
            yield from s3_calls(world, role, targets[argument], f"{origin} ({argument})")
        yield from _script_calls(world, role, job, extract=extract, args=args, origin=origin)
        yield from _catalog(
            world,
            role,
            job,
            database=args["--target_database"],
            table=args["--target_table"],
            actions=JOB_CATALOG,
            origin=origin,
        )
        if "--rejects_database" in args:
            yield from _catalog(
                world,
                role,
                job,
                database=args["--rejects_database"],
                table=args["--rejects_table"],
                actions=REJECTS_CATALOG,
                origin=f"{origin} (reject records)",
            )
        yield from _logs(world, role, job, "jobs/logs-v2", origin)
        if "--custom-logGroup-prefix" in args:  # Glue 5.0: <prefix>/error and <prefix>/output
            region, account = _region_account(world, job)
            for stream in ("error", "output"):
                group = f"{args['--custom-logGroup-prefix']}/{stream}"
                arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
                yield from (call(role, a, arn, f"{origin} logs") for a in LOG_ACTIONS[1:3])
        yield from _security(world, role, job, origin)
        yield from _catalog_key(world, role, job, account_key_alias, origin)
        if args.get("--enable-metrics") == "true":
            yield call(
                role,
                "cloudwatch:PutMetricData",
                "*",
                f"{origin} metrics",
                **{"cloudwatch:namespace": "Glue"},
            )


def _script_calls(
    world: World,
    role: Role,
    job: Registration,
    *,
    extract: Extract,
    args: dict[str, Any],
    origin: str,
) -> Iterator[Call]:
    """The script's SDK calls (runtime/glue/etl_job.py): listing the source's files, the curated
    table's and the ledger's; reading a file's header; writing the manifest, a held batch's
    manifest, the run report and ledger entries; forgetting expired ledger entries; copying a file
    to quarantine; its job's earlier runs; the pipeline's metrics. With `--migrations`, the
    migration of its curated files: their record, the manifests naming a replaced file, the
    replaced file's removal, the catalog table and its partitions."""
    files = [Path(f) for f in _shipped_scripts(world, job)]

    def where(argument: str, actions: tuple[str, ...]) -> list[Target]:
        return s3_targets(args[argument], actions) if argument in args else []

    source = where("--source_path", ("s3:GetObject",))
    region, account = _region_account(world, job)
    migrating = "--migrations" in args
    manifests = (
        [
            target
            for argument in ("--manifest_prefix", "--held_prefix", "--dead_letter_prefix")
            for target in where(argument, READ_WRITE[:2])
        ]
        if migrating
        else []
    )
    table = (
        f"arn:aws:glue:{region}:{account}:table/{args['--target_database']}/"
        f"{args['--target_table']}"
    )

    def catalog(action: str) -> list[Target]:
        """On the catalog, database and table, as Glue authorizes a table action."""
        database = table.replace(":table/", ":database/").rsplit("/", 1)[0]
        catalog_arn = f"arn:aws:glue:{region}:{account}:catalog"
        return [(action, arn, {}) for arn in (catalog_arn, database, table)] if migrating else []

    targets: dict[tuple[str, str], list[Target]] = {
        ("s3", "list_objects_v2"): [
            *where("--target_path", ("s3:ListBucket",)),
            *where("--source_path", ("s3:ListBucket",)),
            *where("--ledger_prefix", ("s3:ListBucket",)),
            *[t for t in manifests if t[0] == "s3:ListBucket"],
        ],
        # A job with `--migrations` also reads its migration record (beside the ledger) and the
        # manifests that list a file it replaces.
        ("s3", "get_object"): source
        + (where("--ledger_prefix", ("s3:GetObject",)) if migrating else [])
        + [t for t in manifests if t[0] == "s3:GetObject"],
        ("s3", "put_object"): [
            target
            for argument in ("--manifest_prefix", "--held_prefix", "--run_report_prefix")
            for target in where(argument, WRITE)
        ]
        + where("--ledger_prefix", WRITE)
        + where("--dead_letter_prefix", WRITE),
        ("s3", "delete_objects"): where("--ledger_prefix", ("s3:DeleteObject",)),
        # A migrated curated file, once replaced (NOT_MADE without `--migrations`).
        ("s3", "delete_object"): where("--target_path", ("s3:DeleteObject",))
        if migrating
        else NOT_MADE,
        ("glue", "update_table"): catalog("glue:UpdateTable") or NOT_MADE,
        ("glue", "get_partitions"): catalog("glue:GetPartitions") or NOT_MADE,
        ("glue", "batch_update_partition"): catalog("glue:BatchUpdatePartition") or NOT_MADE,
        ("s3", "copy"): source
        + where("--quarantine_path", ("s3:PutObject", "s3:AbortMultipartUpload")),
        # A catalog source's location (`--source_database`/`--source_table`); a job reading S3
        # never asks, and is checked on its own table, which it reads anyway.
        ("glue", "get_table"): [
            (
                "glue:GetTable",
                f"arn:aws:glue:{region}:{account}:table/"
                f"{args.get('--source_database', args['--target_database'])}/"
                f"{args.get('--source_table', args['--target_table'])}",
                {},
            )
        ],
        ("glue", "get_job_runs"): [
            ("glue:GetJobRuns", f"arn:aws:glue:{region}:{account}:job/{job.inputs['name']}", {})
        ],
        ("cloudwatch", "put_metric_data"): [
            ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": METRICS_NAMESPACE})
        ],
    }
    for sdk in extract(files):
        yield from bind(world, role, sdk, targets, origin)


def _shipped_scripts(world: World, job: Registration) -> list[str]:
    """The repository files the job's script and libraries are uploaded from."""
    urls = [job.inputs["command"]["scriptLocation"]]
    urls += [(job.inputs.get("defaultArguments") or {}).get("--extra-py-files", "")]
    keys = {_split(u)[1] for u in urls if u}
    return [
        str(o.inputs["source"].path)
        for o in world.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
        if o.inputs.get("key") in keys and hasattr(o.inputs.get("source"), "path")
    ]


def _catalog(
    world: World,
    role: Role,
    registration: Registration,
    *,
    database: str,
    table: str,
    actions: tuple[str, ...],
    origin: str,
) -> Iterator[Call]:
    region, account = _region_account(world, registration)
    base = f"arn:aws:glue:{region}:{account}:"
    for resource in (
        f"{base}catalog",
        f"{base}database/{database}",
        f"{base}table/{database}/{table}",
    ):
        yield from (call(role, a, resource, f"{origin} updates the catalog") for a in actions)


def _logs(
    world: World, role: Role, registration: Registration, kind: str, origin: str
) -> Iterator[Call]:
    region, account = _region_account(world, registration)
    configuration = registration.inputs.get("securityConfiguration", "")
    group = f"arn:aws:logs:{region}:{account}:log-group:/aws-glue/{kind}-{configuration}:*"
    yield from (
        call(role, a, group, f"{origin} logs under its security configuration") for a in LOG_ACTIONS
    )


def _security(world: World, role: Role, registration: Registration, origin: str) -> Iterator[Call]:
    """Job bookmarks under CSE-KMS are encrypted by Glue as the role (AWS Glue Developer Guide,
    'Encrypting data written by AWS Glue')."""
    name = registration.inputs.get("securityConfiguration")
    for configuration in world.of_type(SECURITY_CONFIGURATION):
        if configuration.inputs.get("name") != name:
            continue
        encryption = configuration.inputs["encryptionConfiguration"]
        bookmarks = encryption.get("jobBookmarksEncryption") or {}
        if bookmarks.get("jobBookmarksEncryptionMode") == "CSE-KMS":
            key = bookmarks["kmsKeyArn"]
            for action in ("kms:Decrypt", "kms:GenerateDataKey"):
                yield call(
                    role,
                    action,
                    key,
                    f"{origin} encrypts its bookmarks",
                    **{"kms:ResourceAliases": world.key_aliases(key)},
                )


def _catalog_key(
    world: World, role: Role, registration: Registration, alias: str, origin: str
) -> Iterator[Call]:
    """The account's Data Catalog is encrypted with the account key (bootstrap/): reading and
    writing it needs that key as the caller (AWS Glue Developer Guide, 'Encrypting your Data
    Catalog')."""
    region, account = _region_account(world, registration)
    key = world.key_by_alias(alias, account)
    if key is None:
        raise UnplacedCallError(
            f"{origin}: the account key {alias} of account {account} is not declared"
        )
    for action in CATALOG_KEY_ACTIONS:
        yield call(
            role,
            action,
            key,
            f"{origin}: the catalog is under the account key",
            **{
                "kms:ResourceAliases": world.key_aliases(key),
                "kms:ViaService": f"glue.{region}.amazonaws.com",
            },
        )


def crawler_calls(world: World, account_key_alias: str) -> Iterator[Call]:
    for crawler in world.of_type(CRAWLER):
        role = world.role_of(crawler, "role")
        assert role is not None, f"{crawler.name}: its role is not declared"
        origin = f"Glue crawler {crawler.inputs['name']}"
        for target in crawler.inputs.get("s3Targets") or []:
            yield from s3_calls(
                world, role, s3_targets(target["path"], READ), f"{origin} reads {target['path']}"
            )
        yield from _catalog(
            world,
            role,
            crawler,
            database=crawler.inputs["databaseName"],
            table="*",
            actions=CRAWLER_CATALOG,
            origin=origin,
        )
        yield from _logs(world, role, crawler, "crawlers", origin)
        yield from _catalog_key(world, role, crawler, account_key_alias, origin)
