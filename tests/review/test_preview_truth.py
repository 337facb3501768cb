"""The preview comment tells the truth about what a reader must see: what fits in the provider's
limit by priority, remediations, counts of a failed preview, and text rendered as written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from review.preview_comment import render_preview_comment
from review.preview_model import parse_preview
from review.run_preview import build_comment
from tests.review.helpers import FIXTURES, code_spans, table_rows, visible_text

P = "urn:pulumi:dev::data-platform::"
PACK = "data-platform-guardrails"
COUNTS_HEADER = "| create | update | replace | delete | same |"
SECRET = "hunter2-do-not-print"


def _stream(*events: dict[str, Any], summary: bool = True) -> str:
    end = {"summaryEvent": {"resourceChanges": {"same": 1}, "isPreview": True}}
    tail = [end] if summary else []
    lines = [
        json.dumps({"sequence": i, "timestamp": 1764057600 + i, **event})
        for i, event in enumerate([*events, *tail])
    ]
    return "\n".join(lines) + "\n"


def _pre(op: str, type_: str, name: str, **meta: Any) -> dict[str, Any]:
    urn = f"{P}{type_}::{name}"
    return {"resourcePreEvent": {"metadata": {"op": op, "urn": urn, "type": type_, **meta}}}


def _policy(level: str, name: str, resource: str, message: str) -> dict[str, Any]:
    return {
        "policyEvent": {
            "resourceUrn": f"{P}aws:s3/bucket:Bucket::{resource}",
            "message": message,
            "color": "never",
            "policyName": name,
            "policyPackName": PACK,
            "policyPackVersion": "0.1.0",
            "enforcementLevel": level,
        }
    }


def _error(message: str) -> dict[str, Any]:
    return {"diagnosticEvent": {"message": message, "color": "never", "severity": "error"}}


def _big_stream() -> str:
    creates = [_pre("create", "aws:glue/job:Job", f"ingest-{i:03d}") for i in range(300)]
    advisory = [
        _policy("advisory", "log-group-retention", f"logs-{i:03d}",
                f"Log groups should keep logs for at least 30 days. Log group 'logs-{i:03d}' "
                "keeps logs for 1 day.")
        for i in range(120)
    ]  # fmt: skip
    mandatory = [
        _policy("mandatory", "s3-bucket-sse-kms", "curated-zone",
                "S3 buckets must use SSE-KMS with a customer managed key.")
    ]  # fmt: skip
    delete = _pre("delete", "aws:kms/key:Key", "platform-key")
    error = _error("preview failed: 1 mandatory policy violation\n")
    return _stream(*creates, delete, *advisory, *mandatory, error)


def test_over_codecommits_limit_the_comment_keeps_what_matters_and_names_codecommit() -> None:
    comment = build_comment("dev", 255, _big_stream(), "", {"SOURCE_PROVIDER": "codecommit"})
    seen = visible_text(comment)
    assert len(comment.encode("utf-8")) <= 10_240
    assert "preview failed: 1 mandatory policy violation" in seen
    assert f"{PACK}/s3-bucket-sse-kms" in seen
    assert "> - **delete** KMS key `platform-key` (`aws:kms/key:Key`)" in comment
    assert table_rows(comment, COUNTS_HEADER) == ["| 300 | 0 | 0 | 1 | 1 |"]
    assert "CodeCommit's comment size limit (10,240 characters)" in seen
    assert "GitHub" not in seen
    assert "… and " in seen and "more changed resources" in seen


def test_under_githubs_limit_the_same_preview_is_whole() -> None:
    comment = build_comment("dev", 255, _big_stream(), "", {"SOURCE_PROVIDER": "github"})
    assert len(comment) <= 65_536
    assert "Shortened" not in comment
    assert len(table_rows(comment, "| Operation |")) == 301


def test_over_githubs_limit_the_note_names_github() -> None:
    creates = [_pre("create", "aws:glue/job:Job", f"ingest-{i:04d}") for i in range(2_000)]
    comment = build_comment("dev", 0, _stream(*creates), "", {"SOURCE_PROVIDER": "github"})
    seen = visible_text(comment)
    assert len(comment) <= 65_536
    assert "GitHub's comment size limit (65,536 characters)" in seen
    assert "CodeCommit" not in seen
    assert 100 < len(table_rows(comment, "| Operation |")) < 2_000


def test_remediations_are_shown_without_values() -> None:
    remediation = {
        "policyRemediationEvent": {
            "resourceUrn": f"{P}aws:s3/bucket:Bucket::raw-zone",
            "color": "never",
            "policyName": "auto-tag-owner",
            "policyPackName": PACK,
            "policyPackVersion": "0.1.0",
            "before": {"tags": {"Team": "data"}, "password": SECRET},
            "after": {"tags": {"Team": "data", "Owner": "data-engineering"}, "password": SECRET},
        }
    }
    comment = render_preview_comment(
        parse_preview(_stream(_pre("create", "aws:s3/bucket:Bucket", "raw-zone"), remediation)),
        stack="dev",
    )
    seen = visible_text(comment)
    assert "Policy remediations (1)" in seen
    assert f"{PACK}/auto-tag-owner on aws:s3/bucket:Bucket raw-zone: changed tags.Owner" in seen
    assert SECRET not in comment


def test_a_failed_preview_counts_the_steps_it_shows_and_says_it_did_not_finish() -> None:
    text = (FIXTURES / "preview_failed.ndjson").read_text(encoding="utf-8")
    comment = render_preview_comment(parse_preview(text), stack="dev")
    rows = table_rows(comment, "| Operation |")
    assert sum(row.startswith("| delete |") for row in rows) == 2
    assert table_rows(comment, COUNTS_HEADER) == ["| 0 | 1 | 0 | 2 | 2 |"]
    assert "The preview failed before finishing" in visible_text(comment)


def test_a_stream_without_a_summary_says_the_preview_did_not_finish() -> None:
    text = _stream(_pre("delete", "aws:kms/key:Key", "platform-key"), summary=False)
    seen = visible_text(render_preview_comment(parse_preview(text), stack="dev"))
    assert "The preview did not finish" in seen


LONG = (
    "aws:glue/job:Job resource 'ingest': api error InvalidInputException: `workerType` "
    + "x" * 280
    + " `numberOfWorkers` must be set"
)


def test_a_long_error_is_cut_with_an_ellipsis_and_renders_as_written() -> None:
    comment = render_preview_comment(parse_preview(_stream(_error(LONG))), stack="dev")
    seen = visible_text(comment)
    assert LONG[:299] + "…" in seen
    assert "`workerType`" in seen
    assert code_spans(comment.split("### Errors", 1)[1].split("\n\n#", 1)[0]) == []


def test_more_than_twenty_errors_say_how_many_more() -> None:
    errors = [_error(f"error number {i}") for i in range(25)]
    seen = visible_text(render_preview_comment(parse_preview(_stream(*errors)), stack="dev"))
    assert "error number 19" in seen
    assert "error number 20" not in seen
    assert "… and 5 more errors" in seen


def test_messages_are_escaped_so_html_and_markdown_show_as_text() -> None:
    message = "TypeError: x is not a function at Object.<anonymous> (/app/x.js:3:9) *bold* [a](b)"
    comment = render_preview_comment(
        parse_preview(_stream(_error(message), _policy("advisory", "p", "b", message))),
        stack="dev",
    )
    assert visible_text(comment).count(message) == 2


@pytest.mark.parametrize(
    "name", [pytest.param("raw``zone", id="two-backticks"), pytest.param("raw|zone", id="pipe")]
)
def test_names_render_exactly_in_code_spans_inside_and_outside_tables(name: str) -> None:
    comment = render_preview_comment(
        parse_preview(_stream(_pre("delete", "aws:s3/bucket:Bucket", name))), stack="dev"
    )
    assert code_spans(comment).count(name) == 2
