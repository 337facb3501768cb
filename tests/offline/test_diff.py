"""`make diff` end to end, in a temporary git repository made from the current tree: the diff
shows exactly a changed stack value, a base that cannot be evaluated fails clearly, and a bad
ref exits 2."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT
from tests.review.helpers import table_rows
from tests.stacks import FIXTURE_STACKS, project_files

VENV = Path(sys.executable).parent.parent
WINDOW = re.compile(r"deletion_window_days: \d+")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def _repo_from_current_tree(destination: Path) -> Path:
    for name in project_files():
        source = PROJECT_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    # The diff of the fixture dev stack, whatever the user's dev stack holds.
    shutil.copy2(FIXTURE_STACKS / "Pulumi.dev.yaml", destination / "Pulumi.dev.yaml")
    _git(destination, "init", "--quiet", "--initial-branch=main")
    _git(destination, "add", "--all")
    _git(
        destination,
        "-c", "user.name=Test", "-c", "user.email=test@example.com",
        "commit", "--quiet", "--no-verify", "--message", "base",
    )  # fmt: skip
    return destination


def _set_window(repo: Path, days: int) -> None:
    stack = repo / "Pulumi.dev.yaml"
    stack.write_text(WINDOW.sub(f"deletion_window_days: {days}", stack.read_text(), count=1))


def _diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.diff", "--stack", "dev", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = _repo_from_current_tree(tmp_path_factory.mktemp("diff") / "repo")
    assert WINDOW.search((repo / "Pulumi.dev.yaml").read_text())
    return repo


def test_make_diff_shows_exactly_the_changed_stack_value(repo: Path) -> None:
    found = WINDOW.search((repo / "Pulumi.dev.yaml").read_text())
    assert found is not None
    committed = int(found[0].split()[-1])
    changed = 14 if committed != 14 else 21
    _set_window(repo, changed)
    out = repo.parent / "diff.md"
    try:
        result = subprocess.run(
            [
                "make", "-C", str(repo), "--no-print-directory",
                "-o", f"{VENV}/.installed", f"VENV={VENV}",
                "diff", "STACK=dev", "BASE=main", f"OUT={out}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )  # fmt: skip
    finally:
        _git(repo, "checkout", "--", "Pulumi.dev.yaml")
    assert result.returncode == 0, result.stderr
    markdown = result.stdout[result.stdout.index("## Declared-state diff") :]
    assert out.read_text() == markdown
    assert markdown.startswith("## Declared-state diff: `dev` vs `main (")
    assert "**declared (desired) state**" in markdown
    assert "**not** a comparison with live cloud state" in markdown
    (counts,) = table_rows(markdown, "| added |")
    assert counts.startswith("| 0 | 0 | 1 | ")
    assert table_rows(markdown, "| Operation |") == [
        f"| changed | `aws:kms/key:Key` | `platform-key` | `deletionWindowInDays`: `{committed}`"
        f" → `{changed}` |"
    ]


@pytest.mark.parametrize("ref", ["no-such-branch", "-rf", "HEAD~5"])
def test_a_bad_base_ref_exits_2_naming_it(repo: Path, ref: str) -> None:
    result = _diff(repo, f"--base={ref}")
    assert result.returncode == 2
    assert f"BASE={ref!r} is not a commit" in result.stderr
    assert result.stdout == ""


def test_make_diff_without_base_stops_with_a_message(repo: Path) -> None:
    result = subprocess.run(
        ["make", "-C", str(repo), "-n", "-o", f"{VENV}/.installed", f"VENV={VENV}", "diff"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "BASE is required: make diff STACK=<stack> BASE=<git ref>" in result.stderr


def test_a_base_that_cannot_be_evaluated_fails_clearly(tmp_path: Path) -> None:
    repo = _repo_from_current_tree(tmp_path / "repo")
    _set_window(repo, 3)  # below the allowed 7-30 days
    _git(repo, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qam", "broken")
    _set_window(repo, 10)
    result = _diff(repo, "--base", "HEAD")
    assert result.returncode == 1
    assert "cannot compare stack 'dev': base HEAD (" in result.stderr
    assert "the program could not be evaluated offline (exit 2)" in result.stderr
    assert "deletion_window_days" in result.stderr
    assert result.stdout == ""
