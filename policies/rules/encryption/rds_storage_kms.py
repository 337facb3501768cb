"""ENC-025: RDS instances and clusters encrypt storage with a customer-managed KMS key.

An omitted `storageEncrypted` is judged by the provider default: false, except for a cluster in
`serverless` engine mode, where it is true (pulumi-aws 7 docs). An instance that belongs to a
cluster (`clusterIdentifier` set) inherits the cluster's encryption and is judged there.
"""

from collections.abc import Iterator

from policies.framework.checks import customer_key_gap, input_or_default
from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import get, is_set, known, truthy

CLUSTER = "aws:rds/cluster:Cluster"

META = RuleMeta(
    id="ENC-025",
    name="rds-storage-kms",
    description="RDS instances and clusters must encrypt storage with a customer-managed KMS key.",
    severity=Severity.HIGH,
    controls=(fsbp("RDS.3"), nist("SC-28"), nist("SC-28(1)")),
    remediation="Set storage_encrypted=True and kms_key_id to a customer-managed key.",
    resource_types=("aws:rds/instance:Instance", CLUSTER),
)


def validate(database: Subject, config: Config) -> Iterator[str]:
    if database.type != CLUSTER and is_set(get(database.props, "clusterIdentifier")):
        raise NotApplicableError(f"{database.label} stores its data in its cluster")
    encrypted, note = input_or_default(database, "storageEncrypted", "storageEncrypted")
    mode = known(get(database.props, "engineMode"), "engineMode")
    if get(database.props, "storageEncrypted") is None and mode == "serverless":
        encrypted, note = True, ""
    if not truthy(encrypted):
        yield f"does not encrypt its storage (storageEncrypted is not true){note}"
        return
    yield from customer_key_gap(database.props, "kmsKeyId")


RULE = ResourceRule(META, validate)
