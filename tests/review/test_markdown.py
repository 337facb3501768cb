"""Shared Markdown: the stateful-type list, and code spans and text that render as written."""

from __future__ import annotations

import pytest

from policies.framework.sdk_data import ALL_TYPES
from review.markdown import STATEFUL_TYPES, code, text
from tests.review.helpers import code_spans, visible_text


def test_every_data_store_is_stateful_under_each_token_of_its_family() -> None:
    required = {
        "aws:s3/bucket:Bucket": "S3 bucket",
        "aws:s3/bucketV2:BucketV2": "S3 bucket",
        "aws:rds/instance:Instance": "RDS instance",
        "aws:rds/cluster:Cluster": "RDS cluster",
        "aws:dynamodb/table:Table": "DynamoDB table",
        "aws:ebs/volume:Volume": "EBS volume",
        "aws:efs/fileSystem:FileSystem": "EFS file system",
        "aws:redshift/cluster:Cluster": "Redshift cluster",
        "aws:redshiftserverless/namespace:Namespace": "Redshift Serverless namespace",
        "aws:opensearch/domain:Domain": "OpenSearch domain",
        "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache replication group",
        "aws:docdb/cluster:Cluster": "DocumentDB cluster",
        "aws:kinesis/stream:Stream": "Kinesis stream",
        "aws:kms/key:Key": "KMS key",
    }
    assert {t: STATEFUL_TYPES.get(t) for t in required} == required
    assert set(STATEFUL_TYPES) <= set(ALL_TYPES), "every entry is a pulumi-aws resource type"


@pytest.mark.parametrize(
    ("value", "in_table", "expected"),
    [
        pytest.param("a|b", False, "`a|b`", id="pipe"),
        pytest.param("a|b", True, "`a\\|b`", id="pipe-in-table"),
        pytest.param("a`b", False, "``a`b``", id="backtick"),
        pytest.param("a``b", False, "```a``b```", id="two-backticks"),
        pytest.param("`a", False, "`` `a ``", id="leading-backtick"),
        pytest.param("a\nb", False, "`a b`", id="newline"),
    ],
)
def test_code_spans_show_the_text_exactly(value: str, in_table: bool, expected: str) -> None:
    assert code(value, in_table=in_table) == expected
    markdown = f"| h |\n|---|\n| {expected} |" if in_table else expected
    assert code_spans(markdown) == [" ".join(value.split("\n"))]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("at Object.<anonymous> (/app/index.js:3:9)", id="html-tag"),
        pytest.param("*not bold* _nor this_ [nor](a-link) ~~nor~~ $x$ & &amp;", id="inline"),
        pytest.param("# not a heading", id="heading"),
        pytest.param("- not a list", id="bullet"),
        pytest.param("1. not a list", id="ordered"),
        pytest.param("> not a quote", id="quote"),
        pytest.param("a | b \\ c `d`", id="pipe-backslash-backtick"),
    ],
)
def test_text_renders_as_written(value: str) -> None:
    assert visible_text(text(value)) == value + "\n"
    cells = visible_text(f"| h |\n|---|\n| {text(value, in_table=True)} |").split()
    assert cells == ["h", *value.split()]
