"""The declared-state diff: exact property paths, matching by URN, danger call-out, rendering."""

from __future__ import annotations

from typing import Any

import pytest

from review.capture_diff import (
    SECRET_SIG_KEY,
    SECRET_SIG_VALUE,
    UNKNOWN_VALUE,
    CaptureFormatError,
    InputChange,
    describe_change,
    diff_captures,
    diff_values,
    render_capture_diff,
)
from review.markdown import CHANGE_TABLE_HEADERS
from tests.review.helpers import table_rows

P = "urn:pulumi:dev::data-platform::"
SECRET = {SECRET_SIG_KEY: SECRET_SIG_VALUE, "plaintext": '"hunter2"'}


def _res(type_: str, name: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "urn": f"{P}dp:storage:DataLake${type_}::{name}",
        "type": type_,
        "name": name,
        "parent": f"{P}dp:storage:DataLake::lake",
        "inputs": inputs or {},
        "dependencies": [],
        "propertyDependencies": {},
    }


SSE = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
BASE = [
    _res("aws:s3/bucketV2:BucketV2", "raw", {"bucket": "dp-dev-raw", "tags": {"team": "data"}}),
    _res(
        SSE,
        "raw-sse",
        {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
    ),
    _res("aws:kms/key:Key", "old-key", {"deletionWindowInDays": 30}),
    _res("aws:s3/bucketV2:BucketV2", "scratch", {"bucket": "dp-dev-scratch"}),
    _res("aws:iam/role:Role", "old-role", {"name": "dp-dev-old"}),
    _res("aws:glue/job:Job", "ingest", {"glueVersion": "4.0"}),
]
HEAD = [
    _res(
        "aws:s3/bucketV2:BucketV2",
        "raw",
        {"bucket": "dp-dev-raw", "tags": {"team": "data", "cost-center": "42"}},
    ),
    _res(
        SSE,
        "raw-sse",
        {
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": "aws:kms",
                        "kmsMasterKeyId": UNKNOWN_VALUE,
                    }
                }
            ]
        },
    ),
    _res("aws:glue/job:Job", "ingest", {"glueVersion": "4.0"}),
    _res("aws:sqs/queue:Queue", "events", {"fifoQueue": True}),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param({"a": 1}, {"a": 1}, [], id="unchanged"),
        pytest.param(
            {"rules": [{"sse": {"alg": "AES256"}}]},
            {"rules": [{"sse": {"alg": "aws:kms"}}]},
            [InputChange("rules[0].sse.alg", "changed", "AES256", "aws:kms")],
            id="nested-list-and-dict",
        ),
        pytest.param(
            {"subnets": ["a"]},
            {"subnets": ["a", "b"]},
            [InputChange("subnets[1]", "added", None, "b")],
            id="list-grows",
        ),
        pytest.param(
            {"tags": {"team": "data", "env": "dev"}},
            {"tags": {"team": "data"}},
            [InputChange("tags.env", "removed", "dev", None)],
            id="key-removed",
        ),
        pytest.param(
            {"tags": {}},
            {"tags": {"aws:cdk.path": "x"}},
            [InputChange('tags["aws:cdk.path"]', "added", None, "x")],
            id="key-with-dot-is-quoted",
        ),
        pytest.param({"a": None}, {}, [], id="none-equals-absent"),
        pytest.param(
            {"n": 1}, {"n": True}, [InputChange("n", "changed", 1, True)], id="int-vs-bool"
        ),
        pytest.param(
            {"cfg": {"x": 1}},
            {"cfg": [1]},
            [InputChange("cfg", "changed", {"x": 1}, [1])],
            id="type-change",
        ),
        pytest.param(
            {"password": SECRET},
            {"password": {**SECRET, "plaintext": '"changed"'}},
            [InputChange("password", "changed", "[secret]", "[secret]")],
            id="secret-masked",
        ),
        pytest.param({"password": SECRET}, {"password": SECRET}, [], id="same-secret"),
    ],
)
def test_diff_values_reports_leaf_paths(
    old: dict[str, Any], new: dict[str, Any], expected: list[InputChange]
) -> None:
    assert diff_values(old, new) == expected


def test_diff_captures_matches_by_urn() -> None:
    diff = diff_captures(BASE, HEAD)
    assert [r.name for r in diff.added] == ["events"]
    assert [r.name for r in diff.removed] == ["old-role", "old-key", "scratch"]
    assert [(c.name, [i.path for i in c.inputs]) for c in diff.changed] == [
        (
            "raw-sse",
            [
                "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId",
                "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm",
            ],
        ),
        ("raw", ["tags.cost-center"]),
    ]
    assert diff.unchanged == 1
    assert diff.has_changes


def test_render_lists_rows_in_the_shared_table_style() -> None:
    text = render_capture_diff(BASE, HEAD, stack="dev", base_ref="main")
    assert "| " + " | ".join(CHANGE_TABLE_HEADERS) + " |" in text
    assert table_rows(text, "| added |") == ["| 1 | 3 | 2 | 1 |"]
    assert table_rows(text, "| Operation |") == [
        "| removed | `aws:iam/role:Role` | `old-role` | — |",
        "| removed | `aws:kms/key:Key` | `old-key` | — |",
        "| removed | `aws:s3/bucketV2:BucketV2` | `scratch` | — |",
        f"| changed | `{SSE}` | `raw-sse` "
        "| `rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId`: (unset) → "
        "(known after deploy)<br>"
        "`rules[0].applyServerSideEncryptionByDefault.sseAlgorithm`: "
        '`"AES256"` → `"aws:kms"` |',
        '| changed | `aws:s3/bucketV2:BucketV2` | `raw` | `tags.cost-center`: (unset) → `"42"` |',
        "| added | `aws:sqs/queue:Queue` | `events` | — |",
    ]


def test_danger_lists_exactly_the_removed_stateful_resources() -> None:
    lines = render_capture_diff(BASE, HEAD, stack="dev", base_ref="main").splitlines()
    start = lines.index("> [!CAUTION]")
    assert lines[start + 1 : start + 6] == [
        "> **2 stateful resources are no longer declared. Deploying would delete the cloud "
        "resource and its data unless it is protected or retained on delete.**",
        ">",
        "> - **remove** KMS key `old-key` (`aws:kms/key:Key`)",
        "> - **remove** S3 bucket `scratch` (`aws:s3/bucketV2:BucketV2`)",
        "",
    ]


def test_render_says_it_compares_desired_state_not_live_state() -> None:
    text = render_capture_diff(BASE, HEAD, stack="dev", base_ref="origin/main")
    assert text.startswith("## Declared-state diff: `dev` vs `origin/main`\n")
    assert "**declared (desired) state**" in text
    assert "It is **not** a comparison with live cloud state" in text


def test_no_change_capture() -> None:
    text = render_capture_diff(BASE, list(reversed(BASE)), stack="dev", base_ref="main")
    assert not diff_captures(BASE, BASE).has_changes
    assert table_rows(text, "| added |") == ["| 0 | 0 | 0 | 6 |"]
    assert "No declared resource differs." in text
    assert "| Operation |" not in text
    assert "[!CAUTION]" not in text


def test_secret_values_never_reach_the_markdown() -> None:
    base = [_res("aws:secretsmanager/secretVersion:SecretVersion", "db", {"secretString": SECRET})]
    head = [
        _res(
            "aws:secretsmanager/secretVersion:SecretVersion",
            "db",
            {"secretString": {**SECRET, "plaintext": '"rotated"'}},
        )
    ]
    text = render_capture_diff(base, head, stack="dev", base_ref="main")
    assert "hunter2" not in text and "rotated" not in text
    assert '`secretString`: `"[secret]"` → `"[secret]"`' in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            InputChange("timeout", "changed", 30, 60), "`timeout`: `30` → `60`", id="scalar"
        ),
        pytest.param(
            InputChange("policy", "changed", "x" * 50, "y"), "`policy` (changed)", id="long-value"
        ),
        pytest.param(
            InputChange("tags", "added", None, {"a": "b"}), "`tags` (added)", id="container"
        ),
        pytest.param(
            InputChange("retain", "removed", False, None),
            "`retain`: `false` → (unset)",
            id="removed-scalar",
        ),
    ],
)
def test_describe_change(change: InputChange, expected: str) -> None:
    assert describe_change(change) == expected


@pytest.mark.parametrize(
    ("base", "message"),
    [
        pytest.param([{"type": "t", "name": "n"}], "base[0].urn: Field required", id="missing-urn"),
        pytest.param(
            [_res("aws:glue/job:Job", "a"), _res("aws:glue/job:Job", "a")],
            f"base[1]: duplicate urn {P}dp:storage:DataLake$aws:glue/job:Job::a",
            id="duplicate-urn",
        ),
    ],
)
def test_bad_captures_are_rejected(base: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(CaptureFormatError) as error:
        diff_captures(base, [])
    assert str(error.value) == message
