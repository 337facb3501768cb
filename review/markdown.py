"""Markdown shared by the pull-request renderers: one stateful-type list, one danger call-out,
one change table, and text and code spans that render exactly as written, in a table or not."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from review.layout import Block

# Resources whose replacement or deletion loses data or breaks consumers (keys, schemas,
# history). Pulumi AWS provider type tokens; the single place to extend.
STATEFUL_TYPES: Final[dict[str, str]] = {
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketV2:BucketV2": "S3 bucket",
    "aws:kms/key:Key": "KMS key",
    "aws:redshift/cluster:Cluster": "Redshift cluster",
    "aws:redshiftserverless/namespace:Namespace": "Redshift Serverless namespace",
    "aws:redshiftserverless/workgroup:Workgroup": "Redshift Serverless workgroup",
    "aws:glue/catalogDatabase:CatalogDatabase": "Glue catalog database",
    "aws:glue/catalogTable:CatalogTable": "Glue catalog table",
    "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group",
    "aws:secretsmanager/secret:Secret": "Secrets Manager secret",
    "aws:sqs/queue:Queue": "SQS queue",
    "aws:codecommit/repository:Repository": "CodeCommit repository",
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
