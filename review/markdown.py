"""Markdown shared by the pull-request renderers: one stateful-type list, one danger call-out,
one change table, and rendering that never exceeds GitHub's comment size limit."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

# GitHub rejects issue and pull-request comments longer than 65,536 characters; keep a margin
# for the footer a CI step may append.
GITHUB_COMMENT_LIMIT: Final = 65_536
DEFAULT_MAX_CHARS: Final = 60_000

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


def code(text: str) -> str:
    """An inline code span that survives inside a table cell."""
    body = cell(text)
    return f"`` {body} ``" if "`" in body else f"`{body}`"


def cell(text: str) -> str:
    """Escape text for a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def short_value(value: Any, limit: int = 40) -> str | None:
    """A scalar value as compact JSON, or None when it is a container or too long to show."""
    if isinstance(value, dict | list):
        return None
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def change_table_rows(rows: Sequence[ChangeRow]) -> list[str]:
    """The change table's body lines, one per row, in the given order."""
    return [
        f"| {cell(r.operation)} | {code(r.type)} | {code(r.name)} | {r.details} |" for r in rows
    ]


def danger_section(dangers: Sequence[Danger], *, headline: str) -> list[str]:
    """A GitHub CAUTION alert listing every danger; empty when there is none."""
    if not dangers:
        return []
    lines = ["> [!CAUTION]", f"> **{headline}**", ">"]
    for danger in dangers:
        label = stateful_label(danger.type) or danger.type
        suffix = f": {danger.detail}" if danger.detail else ""
        lines.append(
            f"> - **{danger.action}** {label} {code(danger.name)} ({code(danger.type)}){suffix}"
        )
    return [*lines, ""]


def render_with_table(
    before: Sequence[str],
    rows: Sequence[ChangeRow],
    after: Sequence[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """Join the sections around a change table, dropping trailing rows to stay under max_chars.

    Rows are kept in order; when any are dropped a note says how many are shown.
    """
    head = [*table(CHANGE_TABLE_HEADERS, [])] if rows else []
    body = change_table_rows(rows)
    fixed = len("\n".join([*before, *head, *after])) + 1
    reserve = 200
    kept: list[str] = []
    used = fixed
    for line in body:
        if used + len(line) + 1 + reserve > max_chars:
            break
        kept.append(line)
        used += len(line) + 1
    note: list[str] = []
    if len(kept) < len(body):
        note = [
            "",
            f"_Table truncated: showing {len(kept)} of {len(body)} changed resources "
            "to stay within GitHub's comment size limit. See the pipeline log for the rest._",
        ]
    text = "\n".join([*before, *head, *kept, *note, *after]).rstrip() + "\n"
    if len(text) > max_chars:
        cut = "\n\n_Comment truncated to stay within GitHub's comment size limit._\n"
        text = text[: max_chars - len(cut)] + cut
    return text
