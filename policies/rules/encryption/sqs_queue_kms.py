"""ENC-007: SQS queues use SSE-KMS with a customer key; SSE-SQS (service-owned keys) is not enough.

Decision: SSE-SQS encrypts at rest but with keys we cannot scope, audit or revoke, so the data
platform requires a customer-managed KMS key on every queue, dead-letter queues included.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject

META = RuleMeta(
    id="ENC-007",
    name="sqs-queue-kms",
    description="SQS queues must be encrypted with a customer-managed KMS key, not SSE-SQS.",
    severity=Severity.MEDIUM,
    controls=(fsbp("SQS.1"), nist("SC-28(1)")),
    remediation="Set kms_master_key_id on the Queue to a customer-managed key.",
    resource_types=("aws:sqs/queue:Queue",),
)


def validate(queue: Subject, config: Config) -> Iterator[str]:
    yield from customer_key_gap(queue.props, "kmsMasterKeyId")


RULE = ResourceRule(META, validate)
