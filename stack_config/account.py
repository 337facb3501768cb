"""Account-level resources the platform uses but does not own.

`bootstrap/` creates them once per AWS account: the account key (state secrets, the source
repository and the Glue Data Catalog are encrypted with it), the state bucket, the CodeCommit
repository and the Data Catalog encryption settings, which AWS allows only once per region.
"""

from typing import Annotated

from pydantic import Field

from stack_config.base import StrictModel, matching


class AccountSettings(StrictModel):
    """How the platform finds the account's shared key."""

    key_alias: Annotated[str, matching(r"alias/[\w/-]{1,250}", "a KMS alias such as alias/x")] = (
        Field(
            default="alias/data-platform-state",
            description="Alias of the account key created by bootstrap/ (its key_alias).",
        )
    )
