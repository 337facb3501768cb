"""The preview comment: counts, change table, danger call-out, policy section, truncation, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from review.layout import GITHUB, CommentLimit
from review.preview_comment import dangers, main, render_preview_comment
from review.preview_cost import preview_cost
from review.preview_model import EXPECTED, PropertyChange, parse_preview
from tests.review.helpers import FIXTURES, table_rows

P = "urn:pulumi:dev::data-platform::"
COUNTS_HEADER = "| create | update | replace | delete | same |"


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _render(name: str, **kwargs: Any) -> str:
    return render_preview_comment(parse_preview(_load(name)), stack="dev", **kwargs)


@pytest.mark.parametrize(
    ("fixture", "counts", "row"),
    [
        pytest.param(
            "preview_changes.json",
            {"create": 3, "update": 2, "replace": 2, "delete": 2, "same": 14},
            "| 3 | 2 | 2 | 2 | 14 |",
            id="digest-with-changes",
        ),
        pytest.param(
            "preview_policies.ndjson",
            {"create": 1, "update": 1, "same": 7},
            "| 1 | 1 | 0 | 0 | 7 |",
            id="event-stream",
        ),
        pytest.param("preview_no_changes.json", {"same": 23}, "| 0 | 0 | 0 | 0 | 23 |", id="none"),
    ],
)
def test_counts_come_from_the_change_summary(
    fixture: str, counts: dict[str, int], row: str
) -> None:
    assert dict(parse_preview(_load(fixture)).counts) == counts
    assert table_rows(_render(fixture), COUNTS_HEADER) == [row]


def test_change_table_lists_each_logical_change_most_disruptive_first() -> None:
    assert table_rows(_render("preview_changes.json"), "| Operation |") == [
        "| replace | `aws:iam/rolePolicyAttachment:RolePolicyAttachment` | `ingest-orders-s3` "
        "| `policyArn` (forces replacement) |",
        "| replace | `aws:s3/bucketV2:BucketV2` | `raw-zone` | `bucket` (forces replacement) |",
        "| delete | `aws:cloudwatch/metricAlarm:MetricAlarm` | `ingest-lag-old` | — |",
        "| delete | `aws:kms/key:Key` | `legacy-lake-key` | — |",
        "| update | `aws:glue/catalogTable:CatalogTable` | `orders` "
        "| `parameters.classification`, `storageDescriptor.columns[3].type` |",
        "| update | `aws:lambda/function:Function` | `notify` "
        "| `environment.variables.LOG_LEVEL`, `timeout` |",
        "| create | `aws:glue/job:Job` | `ingest-orders` | — |",
        "| create | `aws:iam/role:Role` | `ingest-orders-role` | — |",
        "| create | `aws:sqs/queue:Queue` | `ingest-orders-dlq` | — |",
    ]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        pytest.param(
            "preview_changes.json",
            [
                ("replace", "aws:s3/bucketV2:BucketV2", "raw-zone", "forced by `bucket`"),
                ("delete", "aws:kms/key:Key", "legacy-lake-key", ""),
            ],
            id="bucket-replace-and-key-delete",
        ),
        pytest.param("preview_policies.ndjson", [], id="stateful-create-and-update-are-safe"),
        pytest.param("preview_no_changes.json", [], id="no-changes"),
    ],
)
def test_danger_lists_exactly_the_replaced_or_deleted_stateful_resources(
    fixture: str, expected: list[tuple[str, str, str, str]]
) -> None:
    found = dangers(parse_preview(_load(fixture)))
    assert [(d.action, d.type, d.name, d.detail) for d in found] == expected
    assert ("> [!CAUTION]" in _render(fixture)) is bool(expected)


def test_danger_section_leads_the_comment() -> None:
    lines = _render("preview_changes.json").splitlines()
    caution = lines.index("> [!CAUTION]")
    assert caution < lines.index(COUNTS_HEADER)
    assert lines[caution + 1 : caution + 5] == [
        "> **2 stateful resources would be replaced or deleted. "
        "Data they hold may be lost; confirm this is intended.**",
        ">",
        "> - **replace** S3 bucket `raw-zone` (`aws:s3/bucketV2:BucketV2`): forced by `bucket`",
        "> - **delete** KMS key `legacy-lake-key` (`aws:kms/key:Key`)",
    ]


def test_violations_are_grouped_by_level_mandatory_first() -> None:
    lines = _render("preview_policies.ndjson").splitlines()
    mandatory = lines.index("### Mandatory policy violations (2): these block `pulumi up`")
    advisory = lines.index("### Advisory policy violations (2)")
    assert lines.index("### Errors (1)") < mandatory < lines.index(COUNTS_HEADER) < advisory
    assert lines[mandatory + 2 : mandatory + 4] == [
        "- `data-platform-guardrails/s3-bucket-sse-kms` on `aws:s3/bucketV2:BucketV2` "
        "`curated-zone`: S3 buckets must use SSE-KMS with a customer managed key. "
        "Bucket 'curated-zone' has no server-side encryption configuration.",
        "- `data-platform-guardrails/s3-bucket-public-access-block` on "
        "`aws:s3/bucketV2:BucketV2` `curated-zone`: S3 buckets must block all public access. "
        "Bucket 'curated-zone' has no public access block.",
    ]
    assert lines[advisory + 2 : advisory + 4] == [
        "- `data-platform-guardrails/log-group-retention` on `aws:cloudwatch/logGroup:LogGroup` "
        "`ingest-orders-logs`: Log groups should keep logs for at least 30 days. "
        "Log group 'ingest-orders-logs' keeps logs for 1 day.",
        "- `data-platform-guardrails/stack-cost-center` on the stack: Every stack should export "
        "a cost-center tag. Stack 'dev' sets no cost-center tag.",
    ]


def test_digest_says_policy_results_are_unavailable_instead_of_claiming_none() -> None:
    text = _render("preview_changes.json")
    assert "### Policy violations" not in text
    assert "PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true" in text


def test_error_diagnostics_are_listed() -> None:
    text = _render("preview_policies.ndjson")
    assert text[text.index("### Errors") :].splitlines()[:3] == [
        "### Errors (1)",
        "",
        "- preview failed",
    ]


def test_no_change_preview_has_no_table() -> None:
    text = _render("preview_no_changes.json")
    assert "No resource changes." in text
    assert "| Operation |" not in text


def _digest(steps: list[dict[str, Any]], summary: dict[str, int] | None = None) -> str:
    doc: dict[str, Any] = {"steps": steps}
    if summary is not None:
        doc["changeSummary"] = summary
    return json.dumps(doc)


def _step(op: str, type_: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"op": op, "urn": f"{P}{type_}::{name}", "newState": {"type": type_}, **extra}


def test_replacement_steps_fold_into_one_row_and_one_danger() -> None:
    queue = "aws:sqs/queue:Queue"
    steps = [
        _step(op, queue, "events", replaceReasons=["fifoQueue"])
        for op in ("create-replacement", "replace", "delete-replaced")
    ]
    preview = parse_preview(_digest(steps))
    text = render_preview_comment(preview, stack="dev")
    assert dict(preview.counts) == {"replace": 1}
    assert table_rows(text, "| Operation |") == [
        "| replace | `aws:sqs/queue:Queue` | `events` | `fifoQueue` (forces replacement) |"
    ]
    assert [(d.action, d.name) for d in dangers(preview)] == [("replace", "events")]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            {"detailedDiff": {"tags.Owner": {"kind": "add"}, "name": {"kind": "update-replace"}}},
            [PropertyChange("name", True), PropertyChange("tags.Owner", False)],
            id="detailed-diff-kinds",
        ),
        pytest.param(
            {
                "detailedDiff": None,
                "diffReasons": ["algorithm", "id"],
                "replaceReasons": ["algorithm"],
            },
            [PropertyChange("algorithm", True), PropertyChange("id", False)],
            id="no-detailed-diff-falls-back-to-reasons",
        ),
        pytest.param(
            {"detailedDiff": {"tags.Owner": {"kind": "update"}}, "replaceReasons": ["name"]},
            [PropertyChange("name", True), PropertyChange("tags.Owner", False)],
            id="replace-reason-missing-from-detailed-diff",
        ),
    ],
)
def test_changed_properties(extra: dict[str, Any], expected: list[PropertyChange]) -> None:
    step = _step("update", "aws:glue/job:Job", "job", **extra)
    assert list(parse_preview(_digest([step])).steps[0].properties) == expected


def test_pipes_and_colour_codes_cannot_break_the_comment() -> None:
    event = {
        "sequence": 0,
        "timestamp": 1764057600,
        "policyEvent": {
            "resourceUrn": f"{P}aws:glue/job:Job::a|b",
            "message": "<{%fg 1%}>bad | thing<{%reset%}>\n",
            "policyName": "p",
            "policyPackName": "pack",
            "enforcementLevel": "advisory",
        },
    }
    text = render_preview_comment(parse_preview(json.dumps(event)), stack="dev")
    assert "- `pack/p` on `aws:glue/job:Job` `a|b`: bad | thing" in text


def _many_creates(count: int) -> str:
    steps = [_step("create", "aws:glue/job:Job", f"job-{i:04d}") for i in range(count)]
    steps.append(
        _step("delete", "aws:kms/key:Key", "lake-key", oldState={"type": "aws:kms/key:Key"})
    )
    return _digest(steps, {"create": count, "delete": 1})


@pytest.mark.parametrize(
    "max_chars", [pytest.param(3_000, id="small"), pytest.param(None, id="default")]
)
def test_large_previews_truncate_the_table_and_keep_the_danger(max_chars: int | None) -> None:
    preview = parse_preview(_many_creates(3_000))
    limit = GITHUB if max_chars is None else CommentLimit("GitHub", GITHUB.chars, max_chars)
    text = render_preview_comment(preview, stack="dev", limit=limit)
    rows = table_rows(text, "| Operation |")
    assert len(text) <= (max_chars or GITHUB.chars)
    assert 0 < len(rows) < 3_001
    assert rows[0] == "| delete | `aws:kms/key:Key` | `lake-key` | — |"
    assert f"_… and {3001 - len(rows):,} more changed resources._" in text
    assert "_Shortened to fit GitHub's comment size limit (65,536 characters)" in text
    assert "> - **delete** KMS key `lake-key` (`aws:kms/key:Key`)" in text


def test_small_previews_are_not_truncated() -> None:
    assert "Shortened" not in _render("preview_changes.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "preview file not found: {path}", id="missing"),
        pytest.param(
            "", "{path}: not `pulumi preview --json` output: the file is empty", id="empty"
        ),
        pytest.param(
            "{ not json",
            "{path}: not `pulumi preview --json` output: line 1 is not JSON "
            "(Expecting property name enclosed in double quotes); " + EXPECTED,
            id="invalid-json",
        ),
        pytest.param(
            '{"resources": []}',
            "{path}: not `pulumi preview --json` output: got an object with keys: resources; "
            + EXPECTED,
            id="other-json-object",
        ),
        pytest.param(
            '{"steps": [{"urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"}]}',
            "{path}: not `pulumi preview --json` output: steps.0.op: Field required",
            id="step-without-op",
        ),
        pytest.param(
            "42",
            "{path}: not `pulumi preview --json` output: got a number; " + EXPECTED,
            id="scalar",
        ),
        pytest.param(
            '{"sequence": 0, "cancelEvent": {}}\n{"sequence": 1,\n',
            "{path}: not `pulumi preview --json` output: line 1: no `timestamp`, so not an "
            "engine event; " + EXPECTED,
            id="broken-event-stream",
        ),
    ],
)
def test_cli_rejects_bad_input_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "preview.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([str(path), "--stack", "dev"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {message.format(path=path)}\n"
    assert captured.out == ""


def test_cli_rejects_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--stack", "dev"]) == 2
    assert capsys.readouterr().err.startswith(f"error: cannot read preview file {tmp_path}: ")


def test_cli_requires_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(FIXTURES / "preview_changes.json")])
    assert exit_info.value.code == 2
    assert "--stack" in capsys.readouterr().err


def test_cli_writes_the_comment_to_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "comment.md"
    assert main([str(FIXTURES / "preview_changes.json"), "--stack", "dev", "--out", str(out)]) == 0
    preview = parse_preview(_load("preview_changes.json"))
    expected = render_preview_comment(preview, stack="dev", cost=preview_cost(preview))
    assert out.read_text(encoding="utf-8") == expected
    assert capsys.readouterr().out == ""


def test_module_runs_as_a_script() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "review.preview_comment",
            str(FIXTURES / "preview_no_changes.json"),
            "--stack",
            "prod",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0
    assert result.stdout.startswith("## Pulumi preview: `prod`\n")
