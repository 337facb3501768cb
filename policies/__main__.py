"""Entry point the Pulumi engine runs: assembles `data-platform-guardrails` from the registry.

The engine runs this file with `policies/` as working directory (sys.path[0] is this directory,
so `import policies` would fail); tests and tools import `policies` from the repository root. The
shim registers this directory as package `policies` under any directory name, which also keeps a
published pack (extracted elsewhere) working. Everything else uses absolute `policies.` imports.
"""

import importlib.util
import sys
from pathlib import Path
from typing import Any


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


def _policies() -> list[Any]:
    """The pack's policies; a bad exceptions file or registry ends the process with its message."""
    from policies.framework.waivers import ExceptionsFileError
    from policies.registry import RegistryError, build_policies

    try:
        return list(build_policies())
    except (ExceptionsFileError, RegistryError) as err:
        print(f"error: data-platform-guardrails: {err}", file=sys.stderr)
        raise SystemExit(1) from None


USAGE = """usage: pulumi preview --policy-pack policies [--policy-pack-config FILE]

The Pulumi engine starts this pack as an analyzer plugin; run offline with make check."""


if __name__ == "__main__" and {"-h", "--help"}.intersection(sys.argv[1:]):
    print(f"{USAGE}\n\n{__doc__}")
elif __name__ == "__main__":
    _register_package()
    import gc

    from pulumi_policy import EnforcementLevel, PolicyPack

    policies = _policies()
    # What is loaded now lives as long as the process: keep it out of every later collection.
    gc.freeze()
    PolicyPack(
        "data-platform-guardrails",
        policies=policies,
        enforcement_level=EnforcementLevel.ADVISORY,
        description="Encryption, tagging and security guardrails for AWS Pulumi programs.",
    )
