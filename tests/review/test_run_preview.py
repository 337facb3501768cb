"""The pull-request preview step: runs the preview with streaming JSON and the stack's policy
config, and always leaves a comment and the exit status, even when the preview fails.

`pulumi` is replaced by a small executable script that prints a recorded preview and exits with
a chosen status; it records its arguments and the streaming switch it saw.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from review.layout import CODECOMMIT, GITHUB, CommentLimit
from review.run_preview import (
    COMMENT_FILE,
    PREVIEW_FILE,
    STATUS_FILE,
    StackPreview,
    build_comment,
    combined_comment,
    comment_limit,
    main,
)
from tests.review.helpers import FIXTURES

FAKE_PULUMI = """#!{python}
import json, os, sys
from pathlib import Path
Path({record!r}).write_text(json.dumps({{
    "argv": sys.argv[1:],
    "streaming": os.environ.get("PULUMI_ENABLE_STREAMING_JSON_PREVIEW"),
}}))
with open({record!r} + ".all", "a") as calls:
    calls.write(json.dumps([sys.argv[3], os.environ.get("AWS_PROFILE"),
                            os.environ.get("PULUMI_BACKEND_URL")]) + "\\n")
sys.stdout.write(Path({output!r}).read_text())
sys.stderr.write("diagnostics on stderr\\n")
sys.exit({status})
"""


def _fake_pulumi(tmp_path: Path, output: Path, status: int) -> tuple[Path, Path]:
    script, record = tmp_path / "pulumi", tmp_path / "record.json"
    script.write_text(
        FAKE_PULUMI.format(python=sys.executable, record=str(record), output=str(output),
                           status=status)
    )  # fmt: skip
    script.chmod(0o755)
    return script, record


def _run(tmp_path: Path, output: Path, status: int) -> tuple[int, Path, dict[str, object]]:
    script, record = _fake_pulumi(tmp_path, output, status)
    out_dir = tmp_path / "out"
    code = main(["--stack", "dev", "--out-dir", str(out_dir), "--pulumi", str(script)])
    return code, out_dir, json.loads(record.read_text())


def test_runs_the_preview_with_streaming_json_and_the_stacks_policy_config(
    tmp_path: Path,
) -> None:
    code, out_dir, seen = _run(tmp_path, FIXTURES / "preview_changes.json", 0)
    assert code == 0
    assert seen == {
        "argv": [
            "preview", "--stack", "dev", "--diff", "--json", "--policy-pack", "policies",
            "--policy-pack-config", "policies/config/dev.json",
        ],
        "streaming": "true",
    }  # fmt: skip
    assert (
        (out_dir / STATUS_FILE).read_text() == (out_dir / "dev" / STATUS_FILE).read_text() == "0\n"
    )
    preview = (out_dir / "dev" / PREVIEW_FILE).read_text()
    assert preview == (FIXTURES / "preview_changes.json").read_text()
    comment = (out_dir / COMMENT_FILE).read_text()
    assert comment.startswith("## Pulumi preview: `dev`\n")
    assert "The preview failed" not in comment


def test_a_failed_preview_with_violations_still_gets_a_comment_saying_so(tmp_path: Path) -> None:
    code, out_dir, _ = _run(tmp_path, FIXTURES / "preview_policies.ndjson", 255)
    assert code == 0
    assert (out_dir / STATUS_FILE).read_text() == "255\n"
    comment = (out_dir / COMMENT_FILE).read_text()
    assert "**The preview failed** (`pulumi preview` exited with 255)" in comment
    assert "### Mandatory policy violations (2): these block `pulumi up`" in comment
    assert "preview failed" in comment.split("### Errors", 1)[1]


def test_a_preview_without_json_comments_the_end_of_its_log(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    code, out_dir, _ = _run(tmp_path, empty, 1)
    assert code == 0
    comment = (out_dir / COMMENT_FILE).read_text()
    assert "The preview produced no readable JSON (the file is empty)" in comment
    assert "```text\ndiagnostics on stderr\n```" in comment
    assert (out_dir / STATUS_FILE).read_text() == "1\n"


def test_a_missing_pulumi_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-pulumi"
    assert main(["--stack", "dev", "--out-dir", str(tmp_path), "--pulumi", str(missing)]) == 2
    assert f"cannot run {missing}" in capsys.readouterr().err


def test_the_footer_names_the_commit_and_links_the_build() -> None:
    env = {"SOURCE_COMMIT": "0123456789abcdef", "CODEBUILD_BUILD_URL": "https://build/1"}
    comment = build_comment("dev", 0, '{"steps": [], "changeSummary": {}}', "", env)
    assert comment.rstrip().endswith(
        "_Preview of commit `0123456789ab` · [build log](https://build/1)._"
    )


@pytest.mark.parametrize(
    ("provider", "limit"), [("codecommit", CODECOMMIT), ("github", GITHUB), ("", GITHUB)]
)
def test_the_comment_is_rendered_for_the_providers_size_limit(
    provider: str, limit: CommentLimit
) -> None:
    assert comment_limit({"SOURCE_PROVIDER": provider}) == limit


def many_creates(count: int) -> str:
    """A preview event stream creating `count` buckets."""
    events = [
        {"sequence": i, "timestamp": 1764057600, "resourcePreEvent": {"metadata": {
            "op": "create", "urn": f"urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b{i}",
            "type": "aws:s3/bucketV2:BucketV2", "provider": "",
        }}}
        for i in range(count)
    ]  # fmt: skip
    return "\n".join(json.dumps(e) for e in events)


def test_a_codecommit_comment_stays_under_its_limit_with_many_changes() -> None:
    text = many_creates(500)
    comment = build_comment("dev", 0, text, "", {"SOURCE_PROVIDER": "codecommit"})
    assert len(comment.encode("utf-8")) <= CODECOMMIT.chars
    assert "_Shortened to fit CodeCommit's comment size limit (10,240 characters)" in comment
    assert "more changed resources._" in comment


TARGETS = json.dumps(
    [
        {
            "stack": stack,
            "region": "eu-west-1",
            "backend_url": f"s3://data-platform-state-{account}",
            "external_id": "data-platform-release",
            "role_arn": f"arn:aws:iam::{account}:role/data-platform-release/x",
        }
        for stack, account in (("dev", "111111111111"), ("prod", "333333333333"))
    ]
)


def test_every_stack_previews_in_its_own_account_into_one_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, record = _fake_pulumi(tmp_path, FIXTURES / "preview_changes.json", 0)
    monkeypatch.setenv("RELEASE_TARGETS", TARGETS)
    out_dir = tmp_path / "out"
    argv = ["--stack", "dev", "--stack", "prod", "--out-dir", str(out_dir), "--pulumi", str(script)]
    assert main(argv) == 0
    calls = [json.loads(line) for line in Path(f"{record}.all").read_text().splitlines()]
    assert calls == [
        ["dev", "dev", "s3://data-platform-state-111111111111"],
        ["prod", "prod", "s3://data-platform-state-333333333333"],
    ]
    comment = (out_dir / COMMENT_FILE).read_text()
    headings = [line for line in comment.splitlines() if line.startswith("## ")]
    assert headings == ["## Pulumi preview: `dev`", "## Pulumi preview: `prod`"]


def test_one_failed_stack_fails_the_whole_and_says_which(tmp_path: Path) -> None:
    env = {"SOURCE_PROVIDER": "github"}
    good = StackPreview("dev", 0, (FIXTURES / "preview_changes.json").read_text(), "")
    failed = StackPreview("prod", 255, (FIXTURES / "preview_policies.ndjson").read_text(), "")
    comment = combined_comment([good, failed], env)
    dev, prod = comment.split("## Pulumi preview: `prod`")
    assert "The preview failed" not in dev
    assert "**The preview failed** (`pulumi preview` exited with 255)" in prod


def test_stacks_share_the_size_limit_and_keep_what_blocks_each() -> None:
    many = many_creates(400)
    violations = (FIXTURES / "preview_policies.ndjson").read_text()
    previews = [StackPreview("dev", 0, many, ""), StackPreview("prod", 255, violations, "")]
    comment = combined_comment(previews, {"SOURCE_PROVIDER": "codecommit"})
    assert len(comment.encode("utf-8")) <= CODECOMMIT.chars
    prod = comment.split("## Pulumi preview: `prod`", 1)[1]
    assert "### Mandatory policy violations (2): these block `pulumi up`" in prod
    assert "more changed resources._" in comment.split("## Pulumi preview: `prod`", 1)[0]


def test_a_stack_without_a_target_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script, _ = _fake_pulumi(tmp_path, FIXTURES / "preview_changes.json", 0)
    monkeypatch.setenv("RELEASE_TARGETS", TARGETS)
    argv = ["--stack", "staging", "--out-dir", str(tmp_path), "--pulumi", str(script)]
    assert main(argv) == 2
    assert "RELEASE_TARGETS has no stack 'staging'; stacks: dev, prod" in capsys.readouterr().err
