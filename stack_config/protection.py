"""Protection of stateful resources (keys, buckets) against deletion and data loss."""

from typing import Annotated

from pydantic import Field

from stack_config.base import StrictModel


class ProtectionSettings(StrictModel):
    """How hard it is to destroy stateful resources; the defaults are the production-safe ones."""

    protect: bool = Field(
        default=True, description="Mark keys and buckets `protect` so `pulumi destroy` refuses."
    )
    retain_on_delete: bool = Field(
        default=True, description="Keep keys and buckets in AWS when removed from the program."
    )
    force_destroy_buckets: bool = Field(
        default=False, description="Allow deleting non-empty buckets (only for throwaway stacks)."
    )


class KmsSettings(StrictModel):
    """The customer-managed key that encrypts the platform's data, logs and messages."""

    deletion_window_days: Annotated[int, Field(ge=7, le=30)] = Field(
        default=30, description="Waiting period before a scheduled key deletion completes (7-30)."
    )
