"""SEC-012: S3 buckets and their companions use the current resource types, not deprecated forms.

pulumi-aws 7 deprecates `BucketV2`, the `...V2` companions and a bucket's inline configuration
(encryption, policy, logging, versioning, lifecycle, ACL, ...). They still work, and the other
rules judge them as what they create; this advisory rule only asks to move to the current form.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.s3 import BUCKETS
from policies.framework.sdk_data import SUCCESSORS, family
from policies.framework.subjects import Subject

S3_FAMILIES = family(*BUCKETS, *(t for t in SUCCESSORS if t.startswith("aws:s3/")))
INLINE = (
    "accelerationStatus",
    "acl",
    "corsRules",
    "grants",
    "lifecycleRules",
    "logging",
    "loggings",
    "objectLockConfiguration",
    "policy",
    "replicationConfiguration",
    "replicationConfigurations",
    "requestPayer",
    "serverSideEncryptionConfiguration",
    "serverSideEncryptionConfigurations",
    "versioning",
    "versionings",
    "website",
    "websites",
)

META = RuleMeta(
    id="SEC-012",
    name="s3-current-resource-forms",
    description="S3 resources must use current types and companions, not deprecated forms.",
    severity=Severity.LOW,
    controls=(nist("CM-2"), nist("SA-22")),
    remediation=(
        "Use aws.s3.Bucket with separate companion resources (BucketServerSideEncryption"
        "Configuration, BucketPolicy, BucketLogging, BucketVersioning, ...)."
    ),
    resource_types=S3_FAMILIES,
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    if resource.type in SUCCESSORS:
        yield f"uses the deprecated type {resource.type}; use {SUCCESSORS[resource.type]}"
    if resource.type not in BUCKETS:
        return
    inline = [key for key in INLINE if key in resource.props]
    if inline:
        yield f"declares deprecated inline configuration: {', '.join(inline)}"


RULE = ResourceRule(META, validate)
