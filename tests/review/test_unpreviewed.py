"""A pull request's comment names each stage it did not preview and why; with none previewed,
the comment is still written and the build does not fail on it."""

from __future__ import annotations

from pathlib import Path

from review.run_preview import COMMENT_FILE, STATUS_FILE, run


def test_the_stages_not_previewed_are_named_with_the_reason(tmp_path: Path) -> None:
    status = run([], tmp_path, pulumi="pulumi", env={"UNPREVIEWED_STACKS": "prod staging"})
    comment = (tmp_path / COMMENT_FILE).read_text()
    assert status == 0 and (tmp_path / STATUS_FILE).read_text() == "0\n"
    for stack in ("prod", "staging"):
        assert f"## Pulumi preview: `{stack}`" in comment
        assert f"stage `{stack}` does not" in comment
        assert f"make diff STACK={stack} BASE=<branch>" in comment
    assert "**Not previewed.**" in comment
