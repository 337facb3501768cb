"""Entry point the Pulumi engine runs: assembles `data-platform-guardrails` from the registry.

The engine runs this file with `policies/` as working directory (sys.path[0] is this directory,
so `import policies` would fail); tests and tools import `policies` from the repository root. The
shim registers this directory as package `policies` under any directory name, which also keeps a
published pack (extracted elsewhere) working. Everything else uses absolute `policies.` imports.
"""

import importlib.util
import sys
from pathlib import Path


def _register_package() -> None:
    here = Path(__file__).resolve().parent
    loaded = sys.modules.get("policies")
    if loaded is not None and str(here) in list(getattr(loaded, "__path__", [])):
        return
    spec = importlib.util.spec_from_file_location(
        "policies", here / "__init__.py", submodule_search_locations=[str(here)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the policy package from {here}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["policies"] = module
    spec.loader.exec_module(module)


if __name__ == "__main__":
    _register_package()
    from pulumi_policy import EnforcementLevel, PolicyPack

    from policies.registry import build_policies

    PolicyPack(
        "data-platform-guardrails",
        policies=build_policies(),
        enforcement_level=EnforcementLevel.ADVISORY,
        description="Encryption, tagging and security guardrails for the data-platform stacks.",
    )
