"""Where `make check` finds a stack's policy config, and the errors when it cannot use it.

The config of stack S is `<pack>/config/S.json`, the file a user hands to
`pulumi preview --policy-pack-config`; an existing stack without one is a usage error.
"""

import json
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyConfigError

PACK_DIRNAME = "policies"


class PolicyConfigMissingError(LookupError):
    """The stack exists but the pack has no `config/<stack>.json` for it."""


def policy_config_path(pack_dir: Path, stack: str) -> Path:
    """Where the `--policy-pack-config` file of a stack lives: `<pack>/config/<stack>.json`."""
    return pack_dir / "config" / f"{stack}.json"


def load_policy_config(pack_dir: Path, stack: str, *, path: Path | None = None) -> dict[str, Any]:
    """The stack's policy config (or the one at `path`); raises if missing or not an object."""
    path = path or policy_config_path(pack_dir, stack)
    if not path.is_file():
        raise PolicyConfigMissingError(
            f"no policy config for stack '{stack}': {path} does not exist; create it (start"
            f" from another stack's file in {path.parent}) or run with --no-policies"
        )
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise PolicyConfigError(f"{path}: not valid JSON: {err}") from err
    if not isinstance(config, dict):
        raise PolicyConfigError(f"{path}: must be a JSON object of policy name -> settings")
    return config
