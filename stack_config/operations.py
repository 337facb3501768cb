"""Operations settings: who is alerted and how sensitive the platform's alarms are."""

import re
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from stack_config.base import StrictModel

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_HTTPS = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?")


class Subscription(StrictModel):
    """One subscriber of the alert topic."""

    protocol: Literal["email", "https"] = Field(
        description=(
            "`email` or `https` (a webhook over TLS). Both must confirm the subscription: AWS"
            " sends a confirmation message (an e-mail with a link, or a POST to the URL) when it"
            " is created, and delivers nothing until it is confirmed."
        )
    )
    endpoint: str = Field(description="The e-mail address or the https:// URL.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint_fits_protocol(cls, value: str, info: ValidationInfo) -> str:
        """endpoint is an e-mail address for protocol email and an https:// URL for https."""
        protocol = info.data.get("protocol")
        if protocol == "email" and not _EMAIL.fullmatch(value):
            raise ValueError("must be an e-mail address for protocol email")
        if protocol == "https" and not _HTTPS.fullmatch(value):
            raise ValueError("must be an https:// URL for protocol https")
        return value


AlarmPeriod = Literal[60, 300, 900, 3600]


class OperationsSettings(StrictModel):
    """Alert topic subscribers and alarm evaluation; alarms and the dashboard always exist."""

    subscriptions: list[Subscription] = Field(
        min_length=1,
        description=(
            "Who receives alarms and failure events (at least one). Each subscriber receives"
            " nothing until it confirms: an e-mail address gets a message from AWS Notifications"
            " when the deploy creates its subscription and must follow its 'Confirm"
            " subscription' link; a lost or expired request is sent again from the SNS console"
            " (Subscriptions, Request confirmation)."
        ),
    )
    alarm_period_seconds: AlarmPeriod = Field(
        default=300, description="Period over which each alarm metric is aggregated."
    )
    evaluation_periods: Annotated[int, Field(ge=1, le=24)] = Field(
        default=1, description="Consecutive breaching periods before an alarm fires."
    )

    @model_validator(mode="after")
    def _subscriptions_unique(self) -> Self:
        """No endpoint is subscribed twice."""
        seen = [(s.protocol, s.endpoint) for s in self.subscriptions]
        repeated = sorted({e for p, e in seen if seen.count((p, e)) > 1})
        if repeated:
            raise ValueError(f"subscriptions must be unique; repeated: {', '.join(repeated)}")
        return self
