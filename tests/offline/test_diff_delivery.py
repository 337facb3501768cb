"""`make diff` of the delivery stack on a clean clone: the release's declared change and its
(flat) idle cost, priced in the delivery stack's region."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.offline.test_diff import VENV, _git, _repo_from_current_tree
from tests.review.helpers import table_rows

SCHEDULE = re.compile(r"drift_schedule: .*")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repo_from_current_tree(tmp_path_factory.mktemp("diff-delivery") / "repo")


def test_make_diff_of_the_delivery_stack_shows_its_change(repo: Path) -> None:
    stack = repo / "Pulumi.delivery.yaml"
    assert SCHEDULE.search(stack.read_text()), "the shipped delivery stack sets drift_schedule"
    stack.write_text(SCHEDULE.sub("drift_schedule: rate(3 hours)", stack.read_text(), count=1))
    try:
        result = subprocess.run(
            ["make", "-C", str(repo), "--no-print-directory", "-o", f"{VENV}/.installed",
             f"VENV={VENV}", "diff", "STACK=delivery", "BASE=main"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )  # fmt: skip
    finally:
        _git(repo, "checkout", "--", "Pulumi.delivery.yaml")
    assert result.returncode == 0, result.stderr
    markdown = result.stdout[result.stdout.index("## Declared-state diff") :]
    assert markdown.startswith("## Declared-state diff: `delivery` vs `main (")
    assert "**Idle monthly cost:** +$0.00/month" in markdown
    changed = table_rows(markdown, "| Operation |")
    assert changed and all("scheduleExpression" in row for row in changed)
    assert all("`aws:cloudwatch/eventRule:EventRule`" in row for row in changed)
