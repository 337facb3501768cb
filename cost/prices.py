"""Price tables as data: one YAML file per region under `cost/prices/`, each figure with its
unit, the pricing page it came from and, where it was not confirmed, the assumption made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policies.framework.yaml_file import YamlFileError, read_yaml

PRICES_DIR: Final = Path(__file__).resolve().parent / "prices"
PriceKey = Literal[
    "kms_key",
    "secret",
    "alarm_standard",
    "alarm_high_resolution",
    "dashboard",
    "interface_endpoint",
    "nat_gateway",
    "public_ipv4",
    "codepipeline_v1",
    "redshift_serverless_rpu",
    "redshift_managed_storage",
    "glue_dpu",
    "lambda_arm_gb_second",
    "lambda_x86_gb_second",
    "lambda_requests",
    "sfn_standard_transitions",
    "sqs_requests",
    "s3_list_requests",
    "logs_ingestion",
    "logs_storage",
    "custom_metric",
    "eventbridge_aws_events",
]


class PricesNotFoundError(LookupError):
    """No price table for the region, or the table is invalid."""


class Price(BaseModel):
    """One list price: USD per `unit`, where it came from, what was assumed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    price: Annotated[Decimal, Field(ge=0, description="USD per unit.")]
    unit: str = Field(min_length=1, description="What one unit is, e.g. endpoint-AZ-hour.")
    source: str = Field(pattern=r"^https://", description="The AWS pricing page.")
    assumption: str | None = Field(default=None, description="What was not confirmed.")


class PriceTable(BaseModel):
    """Every price the model uses, for one region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(description="AWS region code.")
    currency: Literal["USD"] = Field(description="All prices are in US dollars.")
    retrieved: date = Field(description="When the prices were read from their sources.")
    hours_per_month: Annotated[int, Field(gt=0, description="Hours billed in a month.")]
    prices: dict[PriceKey, Price] = Field(description="Prices by key.")
    redshift_nodes: dict[str, Price] = Field(description="Provisioned node-hour by node type.")

    def __getitem__(self, key: PriceKey) -> Decimal:
        return self.prices[key].price


def available_regions() -> list[str]:
    """Regions that have a price table."""
    return sorted(p.stem for p in PRICES_DIR.glob("*.yaml"))


@cache
def load_prices(region: str) -> PriceTable:
    """The price table of `region`; PricesNotFoundError names the regions that have one. The
    region is only ever looked up among the tables' names, never used as a path."""
    known = available_regions()
    if region not in known:
        listed = ", ".join(known) or "none"
        raise PricesNotFoundError(f"no price table for region {region} (available: {listed})")
    path = PRICES_DIR / f"{region}.yaml"
    try:
        table = PriceTable.model_validate(read_yaml(path))
    except YamlFileError as exc:
        raise PricesNotFoundError(str(exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PricesNotFoundError(f"{path.name}: {where}: {first['msg']}") from exc
    missing = sorted(set(get_args(PriceKey)) - set(table.prices))
    if missing or table.region != region:
        problem = f"missing prices: {', '.join(missing)}" if missing else "region mismatch"
        raise PricesNotFoundError(f"{path.name}: {problem}")
    return table
