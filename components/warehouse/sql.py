"""The SQL the platform sends to the warehouse, built from validated names only.

Every value that reaches a statement's text is checked against a strict pattern first, so
nothing from config or from another resource's output can break out of the statement.
"""

import re
from collections.abc import Mapping

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,126}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
DATA_API_TARGET_KEYS = ({"WorkgroupName", "Database"}, {"ClusterIdentifier", "Database"})


def check_data_api_target(target: Mapping[str, str]) -> None:
    """A Data API target names a workgroup or a cluster, and the database."""
    if set(target) not in DATA_API_TARGET_KEYS:
        raise ValueError(f"target must have keys {DATA_API_TARGET_KEYS}, got {dict(target)}")


def replace_from_parquet(
    *, schema: str, table: str, curated_bucket: str, copy_role_arn: str
) -> tuple[str, ...]:
    """Replace `schema.table` with the table's curated Parquet prefix.

    DELETE and COPY are meant to run as one Data API batch, which Redshift executes in a single
    transaction: a re-run or a retried load leaves the table equal to the curated prefix.
    """
    checks = {
        "schema": (schema, _IDENTIFIER),
        "table": (table, _IDENTIFIER),
        "curated_bucket": (curated_bucket, _BUCKET),
        "copy_role_arn": (copy_role_arn, _ROLE_ARN),
    }
    for field, (value, pattern) in checks.items():
        if not pattern.fullmatch(value):
            raise ValueError(f"warehouse load: {field} {value!r} is not allowed in SQL")
    copy = (
        f"COPY {schema}.{table} FROM 's3://{curated_bucket}/{table}/'"
        f" IAM_ROLE '{copy_role_arn}' FORMAT AS PARQUET"
    )
    return (f"DELETE FROM {schema}.{table}", copy)
