"""The pack and its harness installed like any package into another repository's environment,
offline, and the pytest example of policies/README.md run there as written."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT

README = PROJECT_ROOT / "policies" / "README.md"
LOGS_PROGRAM = "import pulumi_aws as aws\n\naws.s3.Bucket('logs')\n"


def _uv() -> str:
    found = shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")
    assert Path(found).is_file(), "uv is installed by make (on PATH or in .tools/)"
    return found


def readme_example(marker: str) -> str:
    """The README's Python code block that starts with the comment `# <marker>`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [str(b) for b in blocks if b.startswith(f"# {marker}\n")]
    return block


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the package built and installed from the checkout, offline; its
    dependencies are this environment's (a path file), so nothing is downloaded."""
    venv = tmp_path_factory.mktemp("team") / "venv"
    subprocess.run([_uv(), "venv", "-q", str(venv), "--python", sys.executable], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [_uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python)]
    subprocess.run([*install, str(PROJECT_ROOT / "guardrails")], check=True)
    return python


def _run(python: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(python), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_harness_and_pack_come_from_the_installed_package(
    installed: Path, tmp_path: Path
) -> None:
    found = _run(installed, tmp_path, "-c", "import offline, policies; print(offline.__file__)")
    assert found.returncode == 0, found.stderr
    assert "site-packages" in found.stdout and str(PROJECT_ROOT) not in found.stdout
    usage = _run(installed, tmp_path, "-m", "offline.check", "--help")
    assert usage.stdout.startswith("usage: python -m offline.check"), usage.stderr


def test_the_readme_pytest_example_passes_in_another_repository(
    installed: Path, tmp_path: Path
) -> None:
    (tmp_path / "conftest.py").write_text(readme_example("conftest.py"))
    (tmp_path / "test_policies.py").write_text(readme_example("test_policies.py"))
    program = tmp_path / "programs" / "logs"
    program.mkdir(parents=True)
    (program / "Pulumi.yaml").write_text("name: logs\nruntime: python\n")
    (program / "Pulumi.test.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (program / "__main__.py").write_text(LOGS_PROGRAM)

    result = _run(installed, tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
