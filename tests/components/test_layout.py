"""The tree shows the architecture: a component package imports only itself, the shared helpers
and the config models; the code that runs in AWS and the review scripts import no components."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONCERNS = ("storage", "pipelines", "warehouse", "operations", "delivery")


def _imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def _top_packages(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("concern", CONCERNS)
def test_a_concern_imports_only_itself_the_shared_helpers_and_config(concern: str) -> None:
    allowed = (f"components.{concern}", "components.shared")
    crossing = {
        f"{path.relative_to(ROOT)} -> {module}"
        for path in _top_packages(f"components/{concern}")
        for module in _imports(path)
        if module.startswith("components") and not module.startswith(allowed)
    }
    assert sorted(crossing) == []


def test_shared_helpers_depend_on_no_concern() -> None:
    crossing = {
        f"{path.relative_to(ROOT)} -> {module}"
        for path in _top_packages("components/shared")
        for module in _imports(path)
        if module.startswith("components") and not module.startswith("components.shared")
    }
    assert sorted(crossing) == []


@pytest.mark.parametrize("folder", ["runtime", "review"])
def test_runtime_and_review_code_declare_no_infrastructure(folder: str) -> None:
    declaring = {
        f"{path.relative_to(ROOT)} -> {module}"
        for path in _top_packages(folder)
        for module in _imports(path)
        if module.split(".")[0] in {"components", "pulumi", "pulumi_aws", "stack"}
    }
    assert sorted(declaring) == []


def test_every_component_package_says_what_it_owns() -> None:
    packages = [ROOT / "components" / name for name in (*CONCERNS, "shared")]
    undocumented = [
        p.name
        for p in packages
        if ast.get_docstring(ast.parse((p / "__init__.py").read_text())) is None
    ]
    assert undocumented == []
