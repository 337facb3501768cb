"""The two kinds of stack the tests run on; tests/README.md says which to use when.

- Fixture stacks (`tests/fixtures/stacks/`): stack files and policy configs the tests own. Pin
  specifics on them: names, counts, prices, pipelines, messages.
- The user's stacks: every `Pulumi.<stack>.yaml` next to `Pulumi.yaml`, discovered, never
  listed. Check only invariants on them (valid, no mandatory violation, URNs still declared).
  A test that reads them is marked `stack_files` (tests/conftest.py marks the users of the
  `user_*` fixtures), and `tests/test_extending.py` runs those tests in a copy of the project
  with one more stack and one more pipeline.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

from offline.capture import PROJECT_ROOT, available_stacks, read_config_file, read_stack_values
from stack_config.release_loader import is_release_stack

FIXTURE_STACKS: Final = Path(__file__).resolve().parent / "fixtures" / "stacks"
# What a project needs besides its stack files to be checked offline: the program's entry and
# the policy pack (its configs come with the stacks).
_PROGRAM_FILES: Final = ("Pulumi.yaml", "__main__.py")
_PACK_IGNORED: Final = shutil.ignore_patterns(".venv", "__pycache__", "config")
# What a checkout without git holds besides the project: environments, caches, build output.
_SKIPPED: Final = frozenset(
    {".git", ".venv", "venv", ".tools", "node_modules", "__pycache__", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", "build"}
)  # fmt: skip


def user_stacks(*, release: bool = False) -> list[str]:
    """The user's platform stacks (or, with `release`, delivery stacks), by name."""
    return [
        stack
        for stack in available_stacks(PROJECT_ROOT)
        if is_release_stack(read_stack_values(stack)) == release
    ]


def fixture_stacks(*, release: bool = False) -> list[str]:
    """The fixture platform stacks (or, with `release`, delivery stacks), by name."""
    return [
        stack
        for stack in available_stacks(FIXTURE_STACKS)
        if is_release_stack(read_stack_values(stack, FIXTURE_STACKS)) == release
    ]


def fixture_values(stack: str) -> dict[str, Any]:
    """The `config:` mapping of a fixture stack (a fresh copy, free to change)."""
    return read_config_file(FIXTURE_STACKS / f"Pulumi.{stack}.yaml")


def fixture_project(root: Path, stacks: tuple[str, ...] | None = None) -> Path:
    """A project at `root` (created): the program's entry, a copy of the policy pack, and the
    fixture stacks (all, or `stacks`) with their policy configs. Commands take it as `--root`;
    the program's packages are imported from the repository."""
    chosen = fixture_stacks() + fixture_stacks(release=True) if stacks is None else list(stacks)
    root.mkdir(parents=True, exist_ok=True)
    for name in _PROGRAM_FILES:
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "policies", root / "policies", ignore=_PACK_IGNORED)
    (root / "policies" / "config").mkdir()
    for stack in chosen:
        shutil.copy(FIXTURE_STACKS / f"Pulumi.{stack}.yaml", root)
        config = FIXTURE_STACKS / "policies" / "config" / f"{stack}.json"
        shutil.copy(config, root / "policies" / "config")
    return root


def project_files() -> list[str]:
    """The project's files, relative: tracked and untracked-but-not-ignored ones; without git (a
    pipeline's source artifact) the tree, leaving out virtualenvs, caches and build output."""
    listed = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if listed.returncode == 0:
        return [name for name in listed.stdout.split("\0") if name]
    return [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in PROJECT_ROOT.rglob("*")
        if path.is_file()
        and not _SKIPPED.intersection(path.relative_to(PROJECT_ROOT).parts)
        and path.suffix != ".pyc"
    ]
