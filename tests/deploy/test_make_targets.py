"""The operator's Make targets: the policy pack gets its own locked environment before a preview
runs it, and the destructive or file-writing targets never act on a default stack."""

from __future__ import annotations

import re
import subprocess

import pytest

from offline.capture import PROJECT_ROOT


def _dry_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-n", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("target", ["doctor", "deploy"])
def test_the_policy_pack_environment_is_synced_from_its_lock_first(target: str) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "$(UV) sync --locked --quiet --project policies" in makefile
    rule = next(line for line in makefile.splitlines() if line.startswith(f"{target}:"))
    assert "$(POLICY_ENV)" in rule.split()


@pytest.mark.parametrize("target", ["destroy", "new-stack"])
def test_a_stack_must_be_named_on_the_command_line(target: str) -> None:
    done = _dry_run(target)
    assert done.returncode == 2
    assert f"STACK is required: make {target} STACK=<stack>" in done.stderr


def test_only_variables_given_on_the_command_line_become_flags() -> None:
    done = subprocess.run(
        ["make", "-n", "new-stack", "STACK=qa", "FROM=dev"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "ENVIRONMENT": "production", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        check=False,
    )
    command = " ".join(done.stdout.replace("\\\n", " ").split())
    assert "-m deploy.new_stack --stack qa --from dev" in command
    assert "production" not in command


@pytest.mark.parametrize("target", ["destroy", "new-stack"])
def test_a_stack_exported_by_the_shell_is_not_named(target: str) -> None:
    done = subprocess.run(
        ["make", "-n", target],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "STACK": "prod", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert f"STACK is required: make {target} STACK=<stack>" in done.stderr


@pytest.mark.parametrize(
    ("target", "switches"), [("destroy", ["--yes", "--retain"]), ("deploy", ["--yes"])]
)
def test_confirmations_are_skipped_only_from_the_command_line(
    target: str, switches: list[str]
) -> None:
    def command(*args: str, env: dict[str, str]) -> str:
        done = subprocess.run(
            ["make", "-n", target, "STACK=dev", *args],
            cwd=PROJECT_ROOT,
            env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env},
            capture_output=True,
            text=True,
            check=False,
        )
        return next(line for line in done.stdout.splitlines() if "-m deploy." in line)

    exported = command(env={"YES": "1", "RETAIN": "1"})
    assert not any(switch in exported.split() for switch in switches)
    given = command("YES=1", "RETAIN=1", env={})
    assert all(switch in given.split() for switch in switches)


def test_make_help_lists_every_documented_target_with_its_line() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    # A target's `##` lines, joined: a long description may take several.
    documented = [
        (" ".join(line.removeprefix("## ") for line in doc.splitlines()), target)
        for doc, target in re.findall(r"^((?:## .+\n)+)([a-z][a-z-]*):", makefile, re.MULTILINE)
    ]
    done = subprocess.run(
        ["make", "-s", "help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    listed = [line.split(None, 2)[1:] for line in done.stdout.splitlines()]
    assert listed == [[target, doc] for doc, target in documented]
    assert {"check", "test", "docs", "urn-pins", "help"} <= {target for target, _ in listed}
