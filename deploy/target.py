"""The stack a command acts on: its validated stack file, and where its state and secrets live.

The state backend and secrets provider come from the stack file's `delivery` block (bootstrap's
outputs); a stack without one uses the backend the CLI is logged in to and the account key.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.capture import PROJECT_ROOT, read_stack_values
from offline.policy_check import PACK_DIRNAME, policy_config_path
from stack_config import StackConfig, parse_stack_config
from stack_config.release_loader import is_release_stack


class ReleaseStackError(LookupError):
    """The stack is a delivery stack: the operator's commands act on platform stacks only."""

    def __init__(self, stack: str, command: str) -> None:
        super().__init__(
            f"stack '{stack}' is a delivery stack (data-platform:release), and {command} is for "
            f"platform stacks. Check it with `make check STACK={stack}` and `make diff "
            f"STACK={stack} BASE=<ref>`; an administrator of the delivery account deploys it "
            f"with `pulumi up --stack {stack} --policy-pack policies --policy-pack-config "
            f"policies/config/{stack}.json` (docs/delivery.md, step 6)"
        )


def refuse_release_stack(stack: str, values: Mapping[str, Any], command: str) -> None:
    """Raise `ReleaseStackError` when the stack file declares a release, not a platform."""
    if is_release_stack(values):
        raise ReleaseStackError(stack, command)


@dataclass(frozen=True)
class StackTarget:
    """One stack of the project at `root`, with its raw and validated config."""

    stack: str
    root: Path
    values: Mapping[str, Any]
    config: StackConfig

    @classmethod
    def load(cls, stack: str, root: Path = PROJECT_ROOT, *, command: str = "make") -> StackTarget:
        """Raises `StackNotFoundError`, `ReleaseStackError` (naming `command`) or
        `StackConfigError`, each naming what is wrong."""
        values = read_stack_values(stack, root)
        refuse_release_stack(stack, values, command)
        return cls(stack, root, values, parse_stack_config(stack, values))

    @property
    def stack_file(self) -> Path:
        return self.root / f"Pulumi.{self.stack}.yaml"

    @property
    def pack_dir(self) -> Path:
        return self.root / PACK_DIRNAME

    @property
    def policy_config(self) -> Path:
        return policy_config_path(self.pack_dir, self.stack)

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def backend_url(self) -> str | None:
        """The state backend the stack file names (bootstrap's bucket), if it names one."""
        delivery = self.config.platform.delivery
        return None if delivery is None else delivery.state_backend_url

    @property
    def secrets_provider(self) -> str:
        """The `--secrets-provider` of `pulumi stack init`: the stack file's, else the account
        key's in the stack's region."""
        delivery = self.config.platform.delivery
        if delivery is not None:
            return delivery.secrets_provider
        return f"awskms://{self.config.platform.account.key_alias}?region={self.region}"

    @property
    def expected_account(self) -> str | None:
        """The AWS account the stack file deploys to (`account_id`, else its state bucket's), if
        it says."""
        delivery = self.config.platform.delivery
        return None if delivery is None else delivery.target_account

    def pulumi_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of every `pulumi` command: the stack file's backend unless
        PULUMI_BACKEND_URL is set, and uv on PATH (the program's toolchain), from `.tools/`
        when the machine has none."""
        env = dict(os.environ if base is None else base)
        if self.backend_url is not None:
            env.setdefault("PULUMI_BACKEND_URL", self.backend_url)
        tools = self.root / ".tools" / "bin"
        if shutil.which("uv", path=env.get("PATH")) is None and (tools / "uv").exists():
            env["PATH"] = os.pathsep.join([str(tools), env.get("PATH", "")])
        return env

    def policy_args(self) -> list[str]:
        """The flags that run the guardrails pack with this stack's policy config."""
        return [
            "--policy-pack",
            str(self.pack_dir),
            "--policy-pack-config",
            str(self.policy_config),
        ]
