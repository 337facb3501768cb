"""ENC-029: ElastiCache replication groups encrypt data at rest and in transit.

Both switches default to false for the Redis OSS engine (the provider's and ElastiCache's
default); Valkey encrypts at rest whatever the input says, so only in-transit is judged there.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, known, truthy

META = RuleMeta(
    id="ENC-029",
    name="elasticache-encrypted",
    description="ElastiCache replication groups must encrypt data at rest and in transit.",
    severity=Severity.HIGH,
    controls=(fsbp("ElastiCache.4"), fsbp("ElastiCache.5"), nist("SC-28"), nist("SC-8")),
    remediation=(
        "Set at_rest_encryption_enabled=True (with kms_key_id) and "
        "transit_encryption_enabled=True on the elasticache.ReplicationGroup."
    ),
    resource_types=("aws:elasticache/replicationGroup:ReplicationGroup",),
)


def validate(group: Subject, config: Config) -> Iterator[str]:
    engine = known(get(group.props, "engine"), "the engine") or "redis"
    at_rest = known(get(group.props, "atRestEncryptionEnabled"), "atRestEncryptionEnabled")
    if engine != "valkey" and not truthy(at_rest):
        yield "does not encrypt data at rest (atRestEncryptionEnabled is not true)"
    in_transit = known(get(group.props, "transitEncryptionEnabled"), "transitEncryptionEnabled")
    if not truthy(in_transit):
        yield "does not encrypt data in transit (transitEncryptionEnabled is not true)"


RULE = ResourceRule(META, validate)
