"""The environments: `pulumi install` (uv toolchain) builds what `make check` builds, and
`make test` adds only the groups it declares."""

import re
import tomllib

import yaml

from offline.capture import PROJECT_ROOT

MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()


def _recipe(target: str) -> list[str]:
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE)
    assert match is not None, f"no rule for {target}"
    return [line.strip() for line in match.group(1).splitlines()]


def test_make_check_syncs_exactly_what_pulumi_install_syncs() -> None:
    # The uv toolchain runs a plain `uv sync` in the project: dependencies + default groups.
    runtime = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "uv"}}
    (sync, _touch) = _recipe("$(VENV)/.check")
    assert sync.split()[:2] == ["$(UV)", "sync"]
    assert not {"--group", "--all-groups", "--no-default-groups", "--only-group"} & set(
        sync.split()
    )
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert project["tool"]["uv"]["default-groups"] == ["check"]
    assert project["tool"]["uv"]["package"] is False


def test_make_test_adds_every_group_and_nothing_unlocked() -> None:
    (sync, _touch) = _recipe("$(VENV)/.all")
    assert "--all-groups" in sync.split()
    assert "--locked" in sync.split()
    assert "$(UV) lock --check --quiet" in _recipe("locks")


def test_uv_comes_from_pypi_only_and_python_is_never_downloaded() -> None:
    (install,) = _recipe(".tools/bin/uv")
    assert install == (
        "$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools"
        " uv==$(UV_VERSION)"
    )
    assert "export UV_PYTHON_DOWNLOADS := never" in MAKEFILE
