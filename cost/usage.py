"""What the resources that are billed per use cost per unit of work, from their declared size:
Glue jobs and crawlers per hour run, Redshift Serverless per hour of queries, Lambda per million
invocations, Step Functions per thousand transitions, logs per GB over their retention."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from cost.prices import PriceTable

# Data Processing Units of one Glue worker (AWS Glue pricing).
GLUE_WORKER_DPU: Final = {"G.025X": "0.25", "G.1X": "1", "G.2X": "2", "G.4X": "4", "G.8X": "8"}
# An average month, to spread a log's storage over its retention.
DAYS_PER_MONTH: Final = Decimal("30.4")


@dataclass(frozen=True)
class UseCost:
    """The price of one unit of work of one resource."""

    item: str
    price: Decimal
    unit: str
    calculation: str


UseRule = Callable[[Mapping[str, Any], PriceTable], UseCost | None]


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def glue_job(inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    worker = str(inputs.get("workerType", "G.1X"))
    workers = _int(inputs.get("numberOfWorkers"), 10)
    dpu = Decimal(GLUE_WORKER_DPU.get(worker, "1")) * workers
    rate = prices["glue_dpu"]
    return UseCost("Glue job", dpu * rate, "hour run",
                   f"{workers} x {worker} = {dpu} DPU x ${rate} per DPU-hour")  # fmt: skip


def glue_crawler(_inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    rate = prices["glue_dpu"]
    return UseCost("Glue crawler", rate, "DPU-hour crawled", "10-minute minimum per run")


def workgroup(inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    base = _int(inputs.get("baseCapacity"), 128)
    rate = prices["redshift_serverless_rpu"]
    return UseCost("Redshift Serverless", base * rate, "hour of queries",
                   f"{base} RPU base x ${rate} per RPU-hour, 60 s minimum")  # fmt: skip


def function(inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    memory = _int(inputs.get("memorySize"), 128)
    arm = "arm64" in (inputs.get("architectures") or [])
    rate = prices["lambda_arm_gb_second" if arm else "lambda_x86_gb_second"]
    compute = Decimal(memory) / 1024 * 1_000_000 * rate
    return UseCost("Lambda", compute + prices["lambda_requests"], "million 1-second invocations",
                   f"{memory} MB {'arm64' if arm else 'x86_64'}")  # fmt: skip


def state_machine(inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    if inputs.get("type", "STANDARD") != "STANDARD":
        return None
    rate = prices["sfn_standard_transitions"]
    return UseCost("Step Functions", rate, "thousand state transitions", "standard workflow")


def log_group(inputs: Mapping[str, Any], prices: PriceTable) -> UseCost | None:
    days = _int(inputs.get("retentionInDays"), 0)
    ingest, store = prices["logs_ingestion"], prices["logs_storage"]
    if days <= 0:
        return UseCost("CloudWatch Logs", ingest, "GB ingested", "kept forever: plus storage")
    kept = (store * days / DAYS_PER_MONTH).quantize(Decimal("0.001"))
    return UseCost("CloudWatch Logs", ingest + kept, "GB ingested",
                   f"${ingest} ingestion + ${store} per GB-month kept {days} days")  # fmt: skip


USE_RULES: Final[dict[str, UseRule]] = {
    "aws:glue/job:Job": glue_job,
    "aws:glue/crawler:Crawler": glue_crawler,
    "aws:redshiftserverless/workgroup:Workgroup": workgroup,
    "aws:lambda/function:Function": function,
    "aws:sfn/stateMachine:StateMachine": state_machine,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
}
