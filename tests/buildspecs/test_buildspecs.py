"""The CodeBuild buildspecs are valid, consistent with each other and with the repository: every
module, make target and file they name exists, and the Pulumi CLI is pinned to the SDK version."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.capture import PROJECT_ROOT, available_stacks
from review.run_preview import preview_command

BUILDSPECS = PROJECT_ROOT / "buildspecs"
PULUMI_SPECS = ("preview", "deploy", "drift")
ALL_SPECS = ("test", *PULUMI_SPECS)
# Paths the build itself creates, so they need not exist in the repository.
CREATED = ("build/", ".venv/", "policies/.venv/", "$HOME/")
PATH_FLAGS = frozenset({"-r", "--policy-pack", "--policy-pack-config"})
FILE_LIKE = re.compile(r"^[\w$.-]+(/[\w$.-]+)*\.(txt|json|ya?ml|py|md|cfg|toml)$")


def _spec(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((BUILDSPECS / f"{name}.yml").read_text())
    return document


def _commands(name: str) -> list[str]:
    phases = _spec(name)["phases"]
    return [command for phase in phases.values() for command in phase.get("commands", [])]


def _words(name: str) -> list[list[str]]:
    return [shlex.split(command) for command in _commands(name)]


def _pins(project: Path) -> dict[str, str]:
    document = tomllib.loads((project / "pyproject.toml").read_text())
    return dict(d.split("==", 1) for d in document["project"]["dependencies"])


def _sdk_pin() -> str:
    return _pins(PROJECT_ROOT)["pulumi"]


@pytest.mark.parametrize("name", ALL_SPECS)
def test_buildspec_is_version_0_2_with_the_python_runtime(name: str) -> None:
    spec = _spec(name)
    assert str(spec["version"]) == "0.2"
    assert str(spec["phases"]["install"]["runtime-versions"]["python"]) == "3.12"
    expected = ["install", "build"] if name == "test" else ["install", "pre_build", "build"]
    assert list(spec["phases"]) == expected


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_command_is_valid_posix_shell(name: str) -> None:
    for command in _commands(name):
        result = subprocess.run(
            ["sh", "-n", "-c", command], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{name}: {command}: {result.stderr}"


def test_the_pulumi_cli_is_pinned_once_to_the_sdk_version() -> None:
    versions = {name: _spec(name)["env"]["variables"]["PULUMI_VERSION"] for name in PULUMI_SPECS}
    assert set(versions.values()) == {_sdk_pin()}, versions
    for name in PULUMI_SPECS:
        install = _spec(name)["phases"]["install"]["commands"]
        assert install[:2] == [
            'curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION"',
            'export PATH="$HOME/.pulumi/bin:$PATH"',
        ]
    assert "PULUMI_VERSION" not in _spec("test")["env"]["variables"]
    assert not any("pulumi" in command.split()[0] for command in _commands("test"))


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_build_installs_the_makefiles_uv_from_pypi(name: str) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    (pinned,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert _spec(name)["env"]["variables"]["UV_VERSION"] == pinned
    assert 'python -m pip install --quiet "uv==$UV_VERSION"' in _commands(name)


def test_the_policy_pack_pins_the_programs_versions_and_installs_with_uv() -> None:
    pack = PROJECT_ROOT / "policies"
    shared = _pins(pack).keys() & _pins(PROJECT_ROOT).keys()
    assert shared == {"pulumi", "pydantic", "PyYAML"}
    assert {k: _pins(pack)[k] for k in shared} == {k: _pins(PROJECT_ROOT)[k] for k in shared}
    groups = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["dependency-groups"]
    assert groups["check"] == [f"pulumi-policy=={_pins(pack)['pulumi-policy']}"]
    policy_project = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert policy_project["runtime"] == {"name": "python", "options": {"toolchain": "uv"}}
    assert (pack / "uv.lock").is_file()
    for name in PULUMI_SPECS:
        assert "uv sync --locked --project policies" in _commands(name)


@pytest.mark.parametrize("project", [".", "bootstrap"])
def test_pulumi_projects_install_with_uv_from_the_root_lock(project: str) -> None:
    document = yaml.safe_load((PROJECT_ROOT / project / "Pulumi.yaml").read_text())
    # No `virtualenv`: uv places .venv next to the nearest uv.lock, the repository root's.
    assert document["runtime"] == {"name": "python", "options": {"toolchain": "uv"}}
    assert (PROJECT_ROOT / "uv.lock").is_file()
    assert not (PROJECT_ROOT / project / "uv.lock").exists() or project == "."


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_python_module_run_exists(name: str) -> None:
    # The project's environment runs the project's modules; the image's python only installs uv.
    modules = [words[i + 2] for words in _words(name) for i, word in enumerate(words[:-2])
               if word == ".venv/bin/python" and words[i + 1] == "-m"]  # fmt: skip
    assert modules or name != "preview"
    for module in modules:
        assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_make_target_exists(name: str) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = {m[1] for m in re.finditer(r"^([\w.-]+):", makefile, re.MULTILINE)}
    used = [words[1] for words in _words(name) if words[0] == "make"]
    assert set(used) <= targets


@pytest.mark.parametrize("name", ALL_SPECS)
@pytest.mark.parametrize("stack", available_stacks())
def test_every_repository_path_exists_for_every_stack(name: str, stack: str) -> None:
    for words in _words(name):
        for index, word in enumerate(words):
            flagged = index > 0 and words[index - 1] in PATH_FLAGS
            if not (flagged or FILE_LIKE.match(word)) or word.startswith(CREATED):
                continue
            path = PROJECT_ROOT / word.replace("$STACK", stack)
            assert path.exists(), f"{name}: {word} ({path}) does not exist"


@pytest.mark.parametrize("stack", available_stacks())
def test_pulumi_steps_use_the_stacks_policy_pack_config(stack: str) -> None:
    pack = "--policy-pack policies --policy-pack-config"
    for name in ("deploy", "drift"):
        assert any(pack in c and "policies/config/$STACK.json" in c for c in _commands(name))
    # The preview's command line lives in review/run_preview.py.
    preview = " ".join(preview_command(stack))
    assert f"{pack} policies/config/{stack}.json" in preview
    assert (PROJECT_ROOT / "policies" / "PulumiPolicy.yaml").is_file()
    assert (PROJECT_ROOT / "policies" / "config" / f"{stack}.json").is_file()


def test_no_pipeline_build_creates_a_stack() -> None:
    for name in PULUMI_SPECS:
        selects = [c for c in _commands(name) if c.startswith("pulumi stack select")]
        assert selects == ['pulumi stack select "${STACK:?STACK must be set}"'], name
        assert any(c.startswith('pulumi login "${PULUMI_BACKEND_URL:?') for c in _commands(name))


def test_preview_comments_before_failing_on_the_recorded_status() -> None:
    build = _spec("preview")["phases"]["build"]["commands"]
    assert [command.split()[:3] for command in build] == [
        [".venv/bin/python", "-m", "review.run_preview"],
        [".venv/bin/python", "-m", "review.post_comment"],
        ["test", '"$(cat', 'build/preview/status)"'],
    ]
    assert "--out-dir build/preview" in build[0]
    assert "--body-file build/preview/comment.md" in build[1]
    assert _spec("preview")["artifacts"]["files"] == ["build/preview/**/*"]


def test_deploy_and_drift_commands() -> None:
    up = _spec("deploy")["phases"]["build"]["commands"][-1]
    assert up.startswith("pulumi up --yes ")
    (drift,) = _spec("drift")["phases"]["build"]["commands"]
    assert drift.startswith("pulumi preview --refresh --expect-no-changes --diff ")


def test_the_test_build_runs_the_suite_and_the_offline_check_of_every_stack() -> None:
    assert _spec("test")["phases"]["build"]["commands"] == [
        "make test",
        *(f"make check STACK={stack}" for stack in available_stacks()),
    ]
