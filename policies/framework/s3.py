"""The S3 bucket family as rules see it: every bucket type, its companions, and its inline forms.

pulumi-aws 7 still accepts the deprecated `BucketV2` and the `...V2` companions, and inline
configuration on a bucket (`serverSideEncryptionConfiguration`, `policy`, `logging`); each
creates the real thing, so rules judge what the bucket will have whichever form declared it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.framework.sdk_data import family
from policies.framework.subjects import StackView, Subject
from policies.framework.values import as_list, get, shallow

BUCKETS = family("aws:s3/bucket:Bucket")
SSE = family(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
LOGGING = family("aws:s3/bucketLogging:BucketLogging")
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
_V2 = "aws:s3/bucketV2:BucketV2"


def companions(bucket: Subject, stack: StackView, types: tuple[str, ...]) -> list[Subject]:
    """Resources of `types` whose `bucket` input was computed from `bucket`."""
    return [c for t in types for c in stack.referencing(bucket, t, "bucket")]


def encryption_defaults(bucket: Subject, stack: StackView) -> Iterator[tuple[str, Any]]:
    """(where, applyServerSideEncryptionByDefault) of every declared default-encryption rule."""
    for sse in companions(bucket, stack, SSE):
        rules = as_list(shallow(get(sse.props, "rules"), "encryption rules"))
        if not rules:
            yield f"'{sse.name}'", None
        for index, rule in enumerate(rules):
            yield f"'{sse.name}' rules[{index}]", get(rule, "applyServerSideEncryptionByDefault")
    yield from _inline_defaults(bucket)


def _inline_defaults(bucket: Subject) -> Iterator[tuple[str, Any]]:
    if bucket.type == _V2:
        blocks = as_list(get(bucket.props, "serverSideEncryptionConfigurations"))
        for b, block in enumerate(blocks):
            for r, rule in enumerate(as_list(get(block, "rules"))):
                for d, default in enumerate(
                    as_list(get(rule, "applyServerSideEncryptionByDefaults"))
                ):
                    where = f"serverSideEncryptionConfigurations[{b}].rules[{r}]"
                    yield f"inline {where}.applyServerSideEncryptionByDefaults[{d}]", default
        return
    rule = get(bucket.props, "serverSideEncryptionConfiguration", "rule")
    if rule is not None:
        default = get(rule, "applyServerSideEncryptionByDefault")
        yield "inline serverSideEncryptionConfiguration", default


def is_log_target(bucket: Subject, stack: StackView) -> bool:
    """True when some bucket's server access logs are delivered to `bucket`."""
    if any(stack.referencing(bucket, t, "targetBucket") for t in LOGGING):
        return True
    inline = ("logging", "loggings")
    return any(stack.referencing(bucket, t, prop) for t in BUCKETS for prop in inline)


def policy_documents(bucket: Subject, stack: StackView) -> Iterator[tuple[str, Any]]:
    """(name, policy input) of the bucket policies of `bucket`, the inline one included."""
    for policy in stack.referencing(bucket, POLICY, "bucket"):
        yield f"'{policy.name}'", get(policy.props, "policy")
    if get(bucket.props, "policy") is not None:
        yield "inline policy", get(bucket.props, "policy")
