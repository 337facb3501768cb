"""SEC-001: no S3 bucket (any bucket type) has a public access block that turns a setting off.

Since April 2023 S3 blocks public access on every new bucket with all four settings on (S3 User
Guide, "Blocking public access to your Amazon S3 storage"), so a bucket that declares no block is
judged by that default unless `requireDeclaredBlock` is set, as this platform's configs set it:
a block the program manages cannot be switched off outside it.
"""

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
    description="S3 buckets must keep all four public access block settings enabled.",
    severity=Severity.CRITICAL,
    controls=(fsbp("S3.8"), nist("AC-3"), nist("AC-21"), nist("SC-7")),
    remediation=(
        "Set block_public_acls, block_public_policy, ignore_public_acls and "
        "restrict_public_buckets to True on the bucket's BucketPublicAccessBlock (or, where the "
        "config requires a declared block, add one whose bucket input is the bucket)."
    ),
    resource_types=BUCKETS,
    config_schema={
        "requireDeclaredBlock": {
            "type": "boolean",
            "default": False,
            "description": "A bucket without a BucketPublicAccessBlock of its own is a violation "
            "(false: it is judged by S3's default, all four settings on).",
        }
    },
)


def validate(bucket: Subject, stack: StackView, config: Config) -> Iterator[str]:
    blocks = stack.referencing(bucket, BLOCK, "bucket")
    if not blocks and config["requireDeclaredBlock"]:
        yield "has no BucketPublicAccessBlock"
    for block in blocks:
        off = [f for f in FLAGS if not truthy(known(get(block.props, f), f"{block.name}.{f}"))]
        if off:
            yield f"public access block '{block.name}' does not enable {', '.join(off)}"


RULE = StackRule(META, validate)
