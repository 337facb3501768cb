"""The stack's monthly budget: the idle cost the cost model may estimate before `make check`
reports a mandatory finding."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from stack_config.base import StrictModel

BudgetUsd = Annotated[Decimal, Field(gt=0, le=10_000_000, decimal_places=2)]


class CostSettings(StrictModel):
    """Cost guardrails of the stack."""

    monthly_budget_usd: BudgetUsd | None = Field(
        default=None,
        description=(
            "Most the stack may cost per month while idle (USD, up to 2 decimals); a change"
            " that takes the estimated idle cost over it fails `make check`. None: no budget."
        ),
    )
