"""What the release knows of each environment it deploys: the stage's stack and approval, and the
account, region, backend and verification its stack file declares.

Builds receive it as `RELEASE_TARGETS` (JSON): `review/targets.py` turns each target into the AWS
profile that assumes the build's role in that environment's account.
"""

import json
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from components.delivery.names import target_role_arn, verify_role_arn
from stack_config.base import StrictModel


class StageTarget(StrictModel):
    """One environment of the promotion, as its stage's builds reach it."""

    stack: str
    approval: bool
    pull_request_preview: bool = False
    account_id: str
    region: str
    state_backend_url: str
    external_id: str
    platform_prefix: str
    verify_timeout_minutes: Annotated[int, Field(ge=1)]

    def role_arn(self, partition: str, name: str) -> str:
        """One of bootstrap's roles in this environment's account."""
        return target_role_arn(partition, self.account_id, name)

    def job_role_arn(self, partition: str, role: str | None) -> str:
        """The role a stage's job assumes: bootstrap's `role`, or the stack's verify role."""
        return self.role_arn(partition, role) if role else self.verify_role_arn(partition)

    def verify_role_arn(self, partition: str) -> str:
        """The verify role this environment's stack declares."""
        return verify_role_arn(partition, self.account_id, self.platform_prefix)


def targets_variable(targets: Sequence[StageTarget], *, role: str | None, partition: str) -> str:
    """The `RELEASE_TARGETS` value: for each target its stack, region, backend, external id and
    the role to assume (bootstrap's `role`, or the stack's verify role when `role` is None)."""
    return json.dumps(
        [
            {
                "stack": t.stack,
                "region": t.region,
                "backend_url": t.state_backend_url,
                "external_id": t.external_id,
                "role_arn": t.job_role_arn(partition, role),
            }
            for t in targets
        ],
        separators=(",", ":"),
    )
