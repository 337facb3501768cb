"""Shared Markdown: the stateful-type list, escaping, and the size-limited table."""

from __future__ import annotations

import pytest

from review.markdown import STATEFUL_TYPES, ChangeRow, code, render_with_table


def test_stateful_types_are_pinned() -> None:
    assert sorted(STATEFUL_TYPES) == [
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:codecommit/repository:Repository",
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:glue/catalogTable:CatalogTable",
        "aws:kms/key:Key",
        "aws:redshift/cluster:Cluster",
        "aws:redshiftserverless/namespace:Namespace",
        "aws:redshiftserverless/workgroup:Workgroup",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:secretsmanager/secret:Secret",
        "aws:sqs/queue:Queue",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a|b", "`a\\|b`", id="pipe"),
        pytest.param("a`b", "`` a`b ``", id="backtick"),
        pytest.param("a\nb", "`a b`", id="newline"),
    ],
)
def test_code_spans_are_table_safe(text: str, expected: str) -> None:
    assert code(text) == expected


def test_table_truncation_keeps_order_and_says_how_many_are_shown() -> None:
    rows = [ChangeRow("create", "aws:glue/job:Job", f"job-{i}", "—") for i in range(100)]
    text = render_with_table(["# title", ""], rows, [], max_chars=1_000)
    body = [line for line in text.splitlines() if line.startswith("| create")]
    assert len(text) <= 1_000
    assert body == [f"| create | `aws:glue/job:Job` | `job-{i}` | — |" for i in range(len(body))]
    assert text.rstrip().endswith(
        f"_Table truncated: showing {len(body)} of 100 changed resources to stay within GitHub's "
        "comment size limit. See the pipeline log for the rest._"
    )
