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

from components.delivery.stages import PREVIEW_URL, outputs_artifact
from offline.capture import PROJECT_ROOT, available_stacks
from review.run_preview import preview_command

BUILDSPECS = PROJECT_ROOT / "buildspecs"
PULUMI_SPECS = ("preview", "pull-request", "deploy", "drift")
# Builds that act in a stage's account as a role they assume (review/targets.py).
TARGET_SPECS = ("deploy", "verify", "drift")
ALL_SPECS = ("test", *PULUMI_SPECS, "verify")
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


_MODULE_RUN = re.compile(r"(?:^|[\s(])(?:\S*/)?python3?\s+-m\s+([\w.]+)")


def _modules_run(name: str) -> list[str]:
    """Every `python -m X` of a buildspec, whichever interpreter runs it (pip excluded)."""
    runs = (m[1] for line in _commands(name) for m in _MODULE_RUN.finditer(line))
    return [module for module in runs if module != "pip"]


def test_the_test_build_has_the_runtimes_make_test_needs() -> None:
    runtimes = _spec("test")["phases"]["install"]["runtime-versions"]
    assert (str(runtimes["python"]), str(runtimes["nodejs"]), runtimes["java"]) == (
        "3.12",
        "20",
        "corretto17",
    )


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_python_module_run_exists(name: str) -> None:
    for module in _modules_run(name):
        assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"


def test_the_module_runs_are_found() -> None:
    found = {name: set(_modules_run(name)) for name in ALL_SPECS}
    assert "review.targets" in found["deploy"]
    assert {"review.run_preview", "review.post_comment"} <= found["pull-request"]
    assert "pipeline_run.verify" in found["verify"]


@pytest.mark.parametrize("name", ALL_SPECS)
def test_every_make_target_exists(name: str) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = {m[1] for m in re.finditer(r"^([\w.-]+):", makefile, re.MULTILINE)}
    used = [words[1] for words in _words(name) if words[0] == "make"]
    assert set(used) <= targets


@pytest.mark.stack_files
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


@pytest.mark.stack_files
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
    for name in ALL_SPECS:
        commands = " ".join(_commands(name))
        assert "stack init" not in commands and "--create" not in commands, name
    for name in ("deploy", "drift"):
        selects = [c for c in _commands(name) if c.startswith("pulumi stack select")]
        assert selects == ['pulumi stack select "$STACK"'], name
        assert 'pulumi login "${PULUMI_BACKEND_URL:?PULUMI_BACKEND_URL must be set}"' in (
            _commands(name)
        )


@pytest.mark.parametrize("name", TARGET_SPECS)
def test_a_stage_build_assumes_its_role_before_any_aws_call(name: str) -> None:
    pre_build = _spec(name)["phases"]["pre_build"]["commands"]
    assume = pre_build.index("python3 -m review.targets profiles")
    act = pre_build.index(
        'eval "$(python3 -m review.targets env --stack "${STACK:?STACK must be set}")"'
    )
    check = pre_build.index("aws sts get-caller-identity")
    assert assume < act < check
    # The first call to AWS checks the role was assumed, failing the build at once if not.
    first_aws = [i for i, c in enumerate(pre_build) if c.startswith(("pulumi login", "aws "))]
    assert first_aws[0] == check


@pytest.mark.parametrize("name", ["preview", "pull-request"])
def test_previews_run_each_stack_as_its_targets_role(name: str) -> None:
    assert "python3 -m review.targets profiles" in _spec(name)["phases"]["pre_build"]["commands"]
    # run_preview sets the stack's profile and backend for each preview (review/targets.py).
    assert not any(c.startswith("eval ") for c in _commands(name))


def test_preview_comments_before_failing_on_the_recorded_status() -> None:
    build = _spec("pull-request")["phases"]["build"]["commands"]
    assert [command.split()[:3] for command in build] == [
        [".venv/bin/python", "-m", "review.run_preview"],
        [".venv/bin/python", "-m", "review.post_comment"],
        ["test", '"$(cat', 'build/preview/status)"'],
    ]
    assert "$(python3 -m review.targets stacks" in build[0]
    assert "--out-dir build/preview" in build[0]
    assert "--body-file build/preview/comment.md" in build[1]
    assert _spec("pull-request")["artifacts"]["files"] == ["build/preview/**/*"]


def test_the_stage_preview_keeps_its_plan_and_exports_the_approval_link() -> None:
    spec = _spec("preview")
    assert spec["env"]["exported-variables"] == [PREVIEW_URL]
    build = spec["phases"]["build"]["commands"]
    assert f'export {PREVIEW_URL}="$CODEBUILD_BUILD_URL"' in build
    assert build[-2] == 'test "$(cat build/preview/status)" -eq 0'
    # Then the permission-broadening gate of a stage without an approval of its own.
    assert build[-1].startswith(".venv/bin/python -m review.broadening ")
    assert '--stage-approval "${STAGE_APPROVAL' in build[-1]
    assert spec["artifacts"]["files"] == ["build/preview/**/*"]


def test_deploy_keeps_the_stack_outputs_that_verify_reads() -> None:
    deploy = _spec("deploy")
    commands = deploy["phases"]["build"]["commands"]
    up = next(c for c in commands if c.startswith("pulumi up "))
    assert up.startswith("pulumi up --yes ")
    assert commands[-1] == "pulumi stack output --json > build/outputs/outputs.json"
    assert deploy["artifacts"] == {"files": ["build/outputs/outputs.json"], "discard-paths": True}
    (verify,) = [c for c in _commands("verify") if "pipeline_run.verify" in c]
    assert '--outputs "${outputs_dir:?no outputs artifact}/outputs.json"' in verify
    (where,) = [c for c in _commands("verify") if c.startswith("outputs_dir=")]
    # CodeBuild names a secondary source's directory after its artifact: outputs_<stack>.
    prefix = outputs_artifact("x").removesuffix("x")
    assert f'"CODEBUILD_SRC_DIR_{prefix}$(echo "$STACK" | tr - _)"' in where
    assert outputs_artifact("dev-eu") == "outputs_dev_eu"


def test_drift_compares_the_live_stack_with_the_program() -> None:
    (drift,) = _spec("drift")["phases"]["build"]["commands"]
    assert drift.startswith("pulumi preview --refresh --expect-no-changes --diff ")


def test_the_test_build_runs_the_suite_and_the_offline_check_of_every_stack() -> None:
    assert _spec("test")["phases"]["build"]["commands"] == [
        "make test",
        'for stack in ${STACKS:?STACKS must be set}; do make check STACK="$stack" || exit 1; done',
    ]
