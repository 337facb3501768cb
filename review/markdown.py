"""Markdown shared by the pull-request renderers: one stateful-type list, one danger call-out,
one change table, and text and code spans that render exactly as written, in a table or not."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from policies.framework.sdk_data import family
from review.layout import Block

# Resources whose replacement or deletion loses data or breaks consumers (keys, schemas,
# history): every AWS data store, by pulumi-aws type token, with the other tokens of its family
# (a legacy token creates the same resource). The single place to extend.
_DATA_STORES: Final = {
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/directoryBucket:DirectoryBucket": "S3 directory bucket",
    "aws:s3tables/tableBucket:TableBucket": "S3 table bucket",
    "aws:s3tables/table:Table": "S3 table",
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/cluster:Cluster": "RDS cluster",
    "aws:rds/clusterInstance:ClusterInstance": "RDS cluster instance",
    "aws:rds/globalCluster:GlobalCluster": "RDS global cluster",
    "aws:dsql/cluster:Cluster": "Aurora DSQL cluster",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:dynamodb/globalTable:GlobalTable": "DynamoDB global table",
    "aws:ebs/volume:Volume": "EBS volume",
    "aws:ebs/snapshot:Snapshot": "EBS snapshot",
    "aws:efs/fileSystem:FileSystem": "EFS file system",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "FSx for Lustre file system",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "FSx for Windows file system",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "FSx for ONTAP file system",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "FSx for OpenZFS file system",
    "aws:redshift/cluster:Cluster": "Redshift cluster",
    "aws:redshiftserverless/namespace:Namespace": "Redshift Serverless namespace",
    "aws:redshiftserverless/workgroup:Workgroup": "Redshift Serverless workgroup",
    "aws:docdb/cluster:Cluster": "DocumentDB cluster",
    "aws:docdb/clusterInstance:ClusterInstance": "DocumentDB instance",
    "aws:docdb/elasticCluster:ElasticCluster": "DocumentDB elastic cluster",
    "aws:neptune/cluster:Cluster": "Neptune cluster",
    "aws:neptune/clusterInstance:ClusterInstance": "Neptune instance",
    "aws:elasticache/cluster:Cluster": "ElastiCache cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache replication group",
    "aws:elasticache/serverlessCache:ServerlessCache": "ElastiCache serverless cache",
    "aws:memorydb/cluster:Cluster": "MemoryDB cluster",
    "aws:opensearch/domain:Domain": "OpenSearch domain",
    "aws:elasticsearch/domain:Domain": "Elasticsearch domain",
    "aws:opensearch/serverlessCollection:ServerlessCollection": "OpenSearch collection",
    "aws:kinesis/stream:Stream": "Kinesis stream",
    "aws:msk/cluster:Cluster": "MSK cluster",
    "aws:msk/serverlessCluster:ServerlessCluster": "MSK serverless cluster",
    "aws:timestreamwrite/database:Database": "Timestream database",
    "aws:timestreamwrite/table:Table": "Timestream table",
    "aws:keyspaces/keyspace:Keyspace": "Keyspaces keyspace",
    "aws:keyspaces/table:Table": "Keyspaces table",
    "aws:qldb/ledger:Ledger": "QLDB ledger",
    "aws:lightsail/database:Database": "Lightsail database",
    "aws:glacier/vault:Vault": "S3 Glacier vault",
    "aws:backup/vault:Vault": "Backup vault",
    "aws:ecr/repository:Repository": "ECR repository",
    "aws:codecommit/repository:Repository": "CodeCommit repository",
    "aws:cognito/userPool:UserPool": "Cognito user pool",
    "aws:kms/key:Key": "KMS key",
    "aws:secretsmanager/secret:Secret": "Secrets Manager secret",
    "aws:ssm/parameter:Parameter": "SSM parameter",
    "aws:glue/catalogDatabase:CatalogDatabase": "Glue catalog database",
    "aws:glue/catalogTable:CatalogTable": "Glue catalog table",
    "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group",
    "aws:sqs/queue:Queue": "SQS queue",
}
STATEFUL_TYPES: Final[dict[str, str]] = {
    member: label for token, label in _DATA_STORES.items() for member in family(token)
}

CHANGE_TABLE_HEADERS: Final = ("Operation", "Type", "Name", "Changed properties")
_COLOR_TAGS = re.compile(r"<\{%[^%]*%\}>|\x1b\[[0-9;]*m")
_BACKTICKS = re.compile(r"`+")
# Characters that start emphasis, code, links, HTML, entities, strikethrough or GitHub math;
# in a table cell `|` too.
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>&~$]")
_CELL_SPECIAL = re.compile(r"[\\`*_\[\]<>&~$|]")
# What opens a block when it starts a line: headings, quotes, lists, rules, setext underlines.
_BLOCK_START = re.compile(r"(\d*)([#>+=.)-])")


def stateful_label(type_token: str) -> str | None:
    """The human label of a stateful resource type, or None when the type holds no state."""
    return STATEFUL_TYPES.get(type_token)


@dataclass(frozen=True)
class Danger:
    """A stateful resource that a change would destroy or replace."""

    action: str
    type: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class ChangeRow:
    """One row of the change table; `details` is already Markdown."""

    operation: str
    type: str
    name: str
    details: str


def plain(text: str) -> str:
    """Text without Pulumi colour directives or ANSI escapes, on one line."""
    return " ".join(_COLOR_TAGS.sub("", text).split())


def code(text: str, *, in_table: bool = False) -> str:
    """An inline code span showing `text` exactly; `in_table` escapes `|` for a table cell."""
    body = " ".join(text.splitlines())
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "
    if in_table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"


def text(value: str, *, in_table: bool = False) -> str:
    """Plain text that renders as written: no emphasis, links, HTML, math or block syntax."""
    special = _CELL_SPECIAL if in_table else _INLINE_SPECIAL
    escaped = special.sub(lambda m: "\\" + m.group(0), " ".join(value.split()))
    if (start := _BLOCK_START.match(escaped)) and (start[1] or start[2] not in ".)"):
        escaped = f"{start[1]}\\{start[2]}{escaped[start.end() :]}"
    return escaped


def cell(value: str) -> str:
    """Escape text for a table cell."""
    return text(value, in_table=True)


def short_value(value: Any, limit: int = 40) -> str | None:
    """A scalar value as compact JSON, or None when it is a container or too long to show."""
    if isinstance(value, dict | list):
        return None
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= limit else None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def change_table_rows(rows: Sequence[ChangeRow]) -> list[str]:
    """The change table's body lines, one per row, in the given order."""
    return [
        f"| {cell(r.operation)} | {code(r.type, in_table=True)} | {code(r.name, in_table=True)}"
        f" | {r.details} |"
        for r in rows
    ]


def change_table(rows: Sequence[ChangeRow], *, heading: str, empty: str, rank: int) -> Block:
    """The change table under `heading` (or the `empty` line), shortened from its end."""
    if not rows:
        return Block(head=(empty, ""))
    return Block(
        head=(f"### {heading} ({len(rows):,})", ""),
        frame=tuple(table(CHANGE_TABLE_HEADERS, [])),
        items=tuple(change_table_rows(rows)),
        tail=("",),
        rank=rank,
        more="\n_… and {n} more changed resources._",
    )


def danger_block(dangers: Sequence[Danger], *, headline: str, rank: int) -> Block:
    """A GitHub CAUTION alert listing every danger; empty when there is none."""
    if not dangers:
        return Block()
    lines = []
    for danger in dangers:
        label = stateful_label(danger.type) or danger.type
        suffix = f": {danger.detail}" if danger.detail else ""
        lines.append(
            f"> - **{danger.action}** {label} {code(danger.name)} ({code(danger.type)}){suffix}"
        )
    return Block(
        head=("> [!CAUTION]", f"> **{headline}**", ">"),
        items=tuple(lines),
        tail=("",),
        rank=rank,
        more="> - … and {n} more",
    )
