"""The PEP 517 build backend of `data-platform-guardrails`: a wheel of the repository's `offline`
and `policies` directories, with nothing to download.

Off-the-shelf backends build from inside the project directory; the pack and the harness live in
the repository root, next to the platform that uses them, so this backend (standard library only)
copies them into a PEP 427 wheel itself, leaving out the modules that need the platform
(`PLATFORM_ONLY`) and the pack's maintenance tools. The version is the pack's own.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PACKAGES = ("offline", "policies")
PLATFORM_ONLY = frozenset(
    {
        "offline/capture.py",
        "offline/diff.py",
        "offline/generated.py",
        "offline/placeholders.py",
        "offline/report.py",
        "offline/stack_check.py",
        "policies/catalog.py",
        "policies/coverage.py",
        "policies/.gitignore",
        "policies/uv.lock",
    }
)
SKIPPED_DIRS = frozenset({"__pycache__", ".venv", "tools", ".mypy_cache", ".ruff_cache"})


def _project() -> dict[str, Any]:
    loaded: dict[str, Any] = tomllib.loads((HERE / "pyproject.toml").read_text("utf-8"))["project"]
    return loaded


def _version() -> str:
    text = (REPOSITORY / "policies" / "PulumiPolicy.yaml").read_text("utf-8")
    match = re.search(r"^version:\s*([\w.+-]+)\s*$", text, re.M)
    if match is None:
        raise RuntimeError("policies/PulumiPolicy.yaml has no version")
    return match.group(1)


def _distribution() -> str:
    name = str(_project()["name"]).replace("-", "_")
    return f"{name}-{_version()}"


def _metadata() -> str:
    project = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {_version()}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
        *(f"Requires-Dist: {d}" for d in project["dependencies"]),
    ]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements]
    lines.append("Description-Content-Type: text/markdown")
    readme = (HERE / str(project["readme"])).read_text("utf-8")
    return "\n".join(lines) + "\n\n" + readme


def _sources() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((REPOSITORY / package).rglob("*")):
            relative = path.relative_to(REPOSITORY)
            if path.is_dir() or SKIPPED_DIRS.intersection(relative.parts):
                continue
            if relative.as_posix() in PLATFORM_ONLY or path.suffix in (".pyc", ".pyo"):
                continue
            yield relative.as_posix(), path


def _write_wheel(directory: str, files: list[tuple[str, bytes]]) -> str:
    name = f"{_distribution()}-py3-none-any.whl"
    info = f"{_distribution()}.dist-info"
    files = [
        *files,
        (f"{info}/METADATA", _metadata().encode()),
        (
            f"{info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: build_backend\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n",
        ),
    ]
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files]
    record.append(f"{info}/RECORD,,")
    with zipfile.ZipFile(Path(directory) / name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files:
            wheel.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data)
        wheel.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return name


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    return []


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    return _write_wheel(wheel_directory, [(p, s.read_bytes()) for p, s in _sources()])


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """An editable install: a path file that puts the repository root on `sys.path`."""
    pth = f"{REPOSITORY}\n".encode()
    return _write_wheel(wheel_directory, [("data_platform_guardrails.pth", pth)])
