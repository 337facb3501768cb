"""SEC-001: every S3 bucket (any bucket type) has a public access block with all four flags true."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, StackRule
from policies.framework.s3 import BUCKETS
from policies.framework.subjects import StackView, Subject
from policies.framework.values import get, known, truthy

BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

META = RuleMeta(
    id="SEC-001",
    name="s3-public-access-block",
    description="S3 buckets must have a public access block with all four settings enabled.",
    severity=Severity.CRITICAL,
    controls=(fsbp("S3.8"), nist("AC-3"), nist("AC-21"), nist("SC-7")),
    remediation=(
        "Add a BucketPublicAccessBlock (bucket input = the bucket) with block_public_acls, "
        "block_public_policy, ignore_public_acls and restrict_public_buckets all True."
    ),
    resource_types=BUCKETS,
)


def validate(bucket: Subject, stack: StackView, config: Config) -> Iterator[str]:
    blocks = stack.referencing(bucket, BLOCK, "bucket")
    if not blocks:
        yield "has no BucketPublicAccessBlock"
    for block in blocks:
        off = [f for f in FLAGS if not truthy(known(get(block.props, f), f"{block.name}.{f}"))]
        if off:
            yield f"public access block '{block.name}' does not enable {', '.join(off)}"


RULE = StackRule(META, validate)
