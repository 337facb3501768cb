"""Logging settings shared by every component that writes to CloudWatch Logs."""

from typing import Literal

from pydantic import Field

from stack_config.base import StrictModel

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
RetentionDays = Literal[
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]


class LogSettings(StrictModel):
    """CloudWatch log groups: all KMS-encrypted with the platform key, kept this long."""

    retention_days: RetentionDays = Field(
        default=365, description="Retention of every log group the platform creates."
    )
