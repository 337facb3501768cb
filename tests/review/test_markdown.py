"""Shared Markdown: the stateful-type list, and code spans and text that render as written."""

from __future__ import annotations

import pytest

from review.markdown import STATEFUL_TYPES, code, text
from tests.review.helpers import code_spans, visible_text


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
