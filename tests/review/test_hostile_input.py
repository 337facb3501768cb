"""The pull-request comment on hostile or broken preview output: failures are never dropped,
nothing from the preview reaches Markdown unescaped or a file path, credentials are redacted,
one stack's bad output never costs the others their sections, and what the cost model cannot
price is "unknown", never $0.00."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cost import prices
from review import run_preview
from review.layout import CODECOMMIT
from review.preview_comment import main, render_preview_comment
from review.preview_cost import preview_cost
from review.preview_model import PreviewFormatError, parse_preview
from review.run_preview import StackPreview, combined_comment
from tests.review.helpers import FIXTURES, html, visible_text

P = "urn:pulumi:dev::data-platform::"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret key
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
GOOD = (FIXTURES / "preview_changes.json").read_text(encoding="utf-8")


def _stream(*events: dict[str, Any], region: str = "eu-west-1") -> str:
    prelude = {"preludeEvent": {"config": {"aws:region": region}}}
    tail = {"summaryEvent": {"resourceChanges": {"same": 1}}}
    return "".join(
        json.dumps({"sequence": i, "timestamp": 1764057600 + i, **e}) + "\n"
        for i, e in enumerate([prelude, *events, tail])
    )


def _meta(op: str, type_: str, name: str, **states: Any) -> dict[str, Any]:
    return {"op": op, "urn": f"{P}{type_}::{name}", "type": type_, **states}


def _step(op: str, type_: str, name: str, **states: Any) -> dict[str, Any]:
    return {"resourcePreEvent": {"metadata": _meta(op, type_, name, **states)}}


def _comment(text: str) -> str:
    preview = parse_preview(text)
    return render_preview_comment(preview, stack="dev", cost=preview_cost(preview))


# The shape of Pulumi's own display test data for a failed update
# (pkg/backend/display/testdata/not-truncated/failed-stacks-dont-rewrite-operations.json).
FAILED_UPDATE = _stream(
    _step("same", "pulumi:pulumi:Stack", "data-platform-dev"),
    _step("update", "aws:lambda/function:Function", "orders-ingest-function"),
    {
        "resOpFailedEvent": {
            "metadata": _meta("update", "aws:lambda/function:Function", "orders-ingest-function"),
            "status": 2,
            "steps": 1,
        }
    },
    {"cancelEvent": {}},
)


def test_a_failed_resource_operation_is_shown_and_never_cut() -> None:
    preview = parse_preview(FAILED_UPDATE)
    many = [_step("create", "aws:glue/job:Job", f"job-{i:04d}") for i in range(2000)]
    crowded = parse_preview(FAILED_UPDATE.replace('"cancelEvent"', '"x"', 0) + _stream(*many))
    comment = render_preview_comment(preview, stack="dev")
    cut = render_preview_comment(crowded, stack="dev", limit=CODECOMMIT)

    for shown in (comment, cut):
        assert "**1 resource operation failed**" in shown
        assert "### Failed operations (1)" in shown
        assert "- `update` of `aws:lambda/function:Function` `orders-ingest-function`" in shown


def test_an_error_made_only_of_colour_codes_still_counts() -> None:
    error = {"diagnosticEvent": {"message": "<{%reset%}>\x1b[31m\x1b[0m", "severity": "error"}}
    comment = _comment(_stream(error))
    assert "**The preview failed before finishing**: it reported 1 error." in comment
    assert "an error without a message (it held only colour codes)" in comment


def test_a_deeply_nested_line_is_damage_without_a_traceback() -> None:
    stream = _stream(_step("create", "aws:sqs/queue:Queue", "q")) + "[" * 100_000 + "\n"
    comment = _comment(stream)
    assert "**The event stream is incomplete**: 1 line could not be read" in comment
    assert "nested deeper than 64 levels" in comment
    assert "`aws:sqs/queue:Queue`" in comment


def test_a_deeply_nested_digest_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "preview.json"
    path.write_text('{"steps": ' + "[" * 100_000, encoding="utf-8")
    assert main([str(path), "--stack", "dev"]) == 2
    assert "nested deeper than 64 levels" in capsys.readouterr().err


def test_one_stack_that_cannot_be_rendered_never_costs_the_others_their_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep = StackPreview("dev", 0, "[" * 100_000, "")
    good = StackPreview("prod", 0, GOOD, "")
    comment = combined_comment([deep, good], {})
    assert "## Pulumi preview: `dev`" in comment and "## Pulumi preview: `prod`" in comment
    assert "### Changed resources" in comment.split("`prod`", 1)[1]

    def broken(text: str) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(run_preview, "parse_preview", broken)
    comment = combined_comment([good, StackPreview("qa", 0, GOOD, "")], {})
    assert comment.count("could not be rendered: RuntimeError") == 2


@pytest.mark.parametrize(
    "region", ["</details><script>alert(1)</script>", "../../Pulumi.dev", "eu-west-1/../../x"]
)
def test_the_region_is_escaped_and_never_used_as_a_path(
    region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(prices, "read_yaml", lambda path, **_: opened.append(str(path)))
    comment = _comment(_stream(_step("create", "aws:kms/key:Key", "k"), region=region))
    assert opened == []
    assert "<script" not in html(comment) and "<details" not in html(comment).replace("&lt;", "")
    assert f"the preview names the region {region}, which is not an AWS region" in visible_text(
        comment
    )


def test_no_price_table_for_a_region_is_never_looked_up_as_a_path() -> None:
    with pytest.raises(prices.PricesNotFoundError, match=r"no price table for region \.\./\.\./x"):
        prices.load_prices("../../x")


def test_operations_and_node_types_from_the_preview_are_escaped() -> None:
    odd = "<img src=x onerror=alert(1)>"
    cluster = {"type": "aws:redshift/cluster:Cluster", "inputs": {"nodeType": odd}}
    comment = _comment(
        _stream(
            {"resourcePreEvent": {"metadata": _meta(odd, "aws:sqs/queue:Queue", "q")}},
            _step("create", "aws:redshift/cluster:Cluster", "c", new=cluster),
        )
    )
    assert "<img" not in html(comment)
    assert odd in visible_text(comment)


@pytest.mark.parametrize(
    "leak",
    [
        f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}",
        f"using access key {ACCESS_KEY}",
        'connecting with {"password": "hunter2-do-not-print"}',
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0aaaaaaaa\nbbbbbbbbbbbbbbbb\n"
        "-----END RSA PRIVATE KEY-----",
    ],
)
def test_credentials_in_the_log_and_in_messages_are_redacted(leak: str) -> None:
    unreadable = StackPreview("dev", 255, "not json at all", f"error: boom\n{leak}\ndone\n")
    error = {"diagnosticEvent": {"message": f"failed: {leak}", "severity": "error"}}
    policy = {
        "policyEvent": {
            "resourceUrn": f"{P}aws:s3/bucket:Bucket::b",
            "message": f"found {leak}",
            "policyName": "no-plaintext-secrets",
            "policyPackName": "data-platform-guardrails",
            "enforcementLevel": "mandatory",
        }
    }
    readable = StackPreview("prod", 255, _stream(error, policy), "")
    comment = combined_comment([unreadable, readable], {})
    for secret in (SECRET_KEY, ACCESS_KEY, "hunter2-do-not-print", "MIIEowIBAAKCAQEA", "bbbbbbbb"):
        assert secret not in comment
    assert visible_text(comment).count("[redacted]") >= 3


def test_a_digest_of_only_an_error_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "preview.json", tmp_path / "comment.md"
    error = {"severity": "error", "message": "error: program failed: invalid config\n"}
    path.write_text(json.dumps({"diagnostics": [error]}), encoding="utf-8")
    assert main([str(path), "--stack", "dev", "--out", str(out)]) == 0
    comment = out.read_text()
    assert "**The preview failed before finishing**: it reported 1 error." in comment
    assert "error: program failed: invalid config" in visible_text(comment)


@pytest.mark.parametrize(
    ("inputs", "type_", "described"),
    [
        pytest.param(
            {"nodeType": "dc2.8xlarge", "numberOfNodes": 32},
            "aws:redshift/cluster:Cluster",
            "+unknown/month: 1 Redshift cluster x 32 dc2.8xlarge nodes (no list price for"
            " dc2.8xlarge in the price table)",
            id="unpriced-node-type",
        ),
        pytest.param(
            {"instanceType": "m7i.48xlarge"},
            "aws:ec2/instance:Instance",
            "+unknown/month: 1 aws:ec2/instance:Instance (not in the cost model)",
            id="unknown-type",
        ),
    ],
)
def test_what_the_model_cannot_price_is_unknown_never_zero(
    inputs: dict[str, Any], type_: str, described: str
) -> None:
    new = {"type": type_, "inputs": inputs}
    comment = _comment(_stream(_step("create", type_, "thing", new=new)))
    assert "$0.00" not in comment
    assert "**Idle monthly cost:** unknown (1 change the model cannot price)" in comment
    assert described in visible_text(comment)


@pytest.mark.parametrize(
    ("type_", "label"),
    [
        ("aws:rds/instance:Instance", "RDS instance"),
        ("aws:rds/cluster:Cluster", "RDS cluster"),
        ("aws:dynamodb/table:Table", "DynamoDB table"),
        ("aws:ebs/volume:Volume", "EBS volume"),
        ("aws:efs/fileSystem:FileSystem", "EFS file system"),
        ("aws:redshift/cluster:Cluster", "Redshift cluster"),
        ("aws:s3/bucketV2:BucketV2", "S3 bucket"),
        ("aws:opensearch/domain:Domain", "OpenSearch domain"),
    ],
)
def test_deleting_any_data_store_is_in_the_caution_box(type_: str, label: str) -> None:
    comment = _comment(_stream(_step("delete", type_, "store")))
    caution = comment.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert f"> - **delete** {label} `store` (`{type_}`)" in caution


def test_an_unreadable_preview_is_still_an_error_not_a_comment() -> None:
    with pytest.raises(PreviewFormatError):
        parse_preview('{"other": 1}')
