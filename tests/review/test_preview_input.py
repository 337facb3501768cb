"""What the preview comment accepts: the digest and the engine event stream, strictly; junk is
rejected with exit 2, and a damaged stream keeps what was read before the damage."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from review.preview_comment import main, render_preview_comment
from review.preview_model import parse_preview
from tests.review.helpers import FIXTURES, table_rows

EXPECTED = (
    "expected a digest (a JSON object with `steps`, `changeSummary` or `diagnostics`) or an"
    " engine event stream (one JSON object per line, each with `sequence`, `timestamp` and"
    " exactly one event such as `resourcePreEvent`)"
)
DIGEST = (FIXTURES / "preview_changes.json").read_text(encoding="utf-8")
STREAM = (FIXTURES / "preview_failed.ndjson").read_text(encoding="utf-8")
STEP = json.loads(DIGEST)["steps"][1]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@pytest.mark.parametrize(
    ("content", "got"),
    [
        pytest.param("[]", "got a JSON array", id="empty-array"),
        pytest.param(f"[{DIGEST}]", "got a JSON array", id="digest-in-an-array"),
        pytest.param(json.dumps([STEP, STEP]), "got a JSON array", id="bare-steps-array"),
        pytest.param('{"resources": []}', "got an object with keys: resources", id="other-object"),
        pytest.param(
            '{"level": "info", "msg": "starting"}\n{"level": "info", "msg": "done"}\n',
            "line 1: no `sequence`",
            id="json-lines-log",
        ),
        pytest.param(
            '{"sequence": 0, "timestamp": 1764057600}\n',
            "line 1: no event (one of",
            id="event-without-kind",
        ),
        pytest.param(
            '{"sequence": 0, "timestamp": 1764057600, "cancelEvent": {}, "stdoutEvent": '
            '{"message": "x", "color": "never"}}\n{"sequence": "1", "timestamp": 1764057600, '
            '"cancelEvent": {}}\n',
            "line 1: 2 events (cancelEvent, stdoutEvent); exactly one is allowed",
            id="two-kinds-in-one-line",
        ),
        pytest.param('{"steps": []}', "steps: List should have at least 1 item", id="empty-steps"),
    ],
)
def test_junk_is_rejected_with_exit_2_naming_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, got: str
) -> None:
    path = tmp_path / "preview.json"
    path.write_text(content, encoding="utf-8")
    assert main([str(path), "--stack", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not `pulumi preview --json` output: ")
    assert got in err
    if "steps:" not in got:
        assert EXPECTED in err


def test_a_one_line_event_stream_is_a_stream() -> None:
    line = _lines(STREAM)[0]
    preview = parse_preview(line)
    assert preview.steps == ()
    assert preview.finished is False


@pytest.mark.parametrize(
    ("damage", "note"),
    [
        pytest.param(
            lambda lines: [
                *lines[:4],
                "warning: A new version of Pulumi is available\n",
                *lines[4:],
            ],
            "line 5 is not JSON",
            id="cli-warning-line",
        ),
        pytest.param(
            lambda lines: [*lines[:-2], lines[-2][:40]],
            "line 8 is not JSON",
            id="truncated-last-line",
        ),
        pytest.param(
            lambda lines: [*lines[:5], "\ufeff" + lines[5], *lines[6:]],
            "line 6 is not JSON",
            id="byte-order-mark-mid-stream",
        ),
    ],
)
def test_a_damaged_stream_keeps_what_was_read_and_says_it_is_incomplete(
    damage: Callable[[list[str]], list[str]], note: str
) -> None:
    text = "".join(damage(_lines(STREAM)))
    comment = render_preview_comment(parse_preview(text), stack="dev")
    assert "> [!CAUTION]" in comment
    assert "> - **delete** S3 bucket `lake-curated-bucket` (`aws:s3/bucket:Bucket`)" in comment
    assert "The event stream is incomplete" in comment
    assert note in comment


def test_a_leading_byte_order_mark_is_not_damage() -> None:
    preview = parse_preview("\ufeff" + STREAM)
    assert preview.damage == ()
    assert [s.name for s in preview.steps if s.op == "delete"] == [
        "lake-curated-bucket",
        "warehouse-namespace",
    ]


def test_a_digest_with_a_byte_order_mark_is_read() -> None:
    rows = table_rows(
        render_preview_comment(parse_preview("\ufeff" + DIGEST), stack="dev"), "| Operation |"
    )
    assert len(rows) == 9
