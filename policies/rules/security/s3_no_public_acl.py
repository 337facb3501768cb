"""SEC-013: no bucket or object is made public through a canned ACL or an ACL grant.

`public-read`, `public-read-write` and `authenticated-read` on a bucket (its own `acl` or a
BucketAcl) or on an object, and grants to the AllUsers or AuthenticatedUsers groups, give the
world access as soon as the bucket's public access block allows ACLs.
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.s3 import BUCKETS
from policies.framework.sdk_data import family
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known

PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GROUPS = ("/global/AllUsers", "/global/AuthenticatedUsers")
ACLS = family("aws:s3/bucketAcl:BucketAcl")
OBJECTS = family("aws:s3/bucketObjectv2:BucketObjectv2")

META = RuleMeta(
    id="SEC-013",
    name="s3-no-public-acl",
    description="S3 buckets and objects must not be made public by an ACL.",
    severity=Severity.CRITICAL,
    controls=(fsbp("S3.2"), fsbp("S3.3"), nist("AC-3"), nist("AC-21")),
    remediation=(
        "Remove the public canned ACL or grant (use 'private', or no ACL with object ownership "
        "BucketOwnerEnforced) and share through a bucket policy naming the principals, or "
        "CloudFront with origin access control."
    ),
    resource_types=(*BUCKETS, *ACLS, *OBJECTS),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    acl = known(get(resource.props, "acl"), "acl")
    if acl in PUBLIC_ACLS:
        yield f"uses the canned ACL {acl!r}, which grants access to everyone"
    policy = known(get(resource.props, "accessControlPolicy"), "accessControlPolicy")
    for index, grant in enumerate(as_list(get(policy, "grants"))):
        uri = str(get(grant, "grantee", "uri") or "")
        if uri.endswith(PUBLIC_GROUPS):
            group = uri.rsplit("/", 1)[-1]
            yield f"accessControlPolicy grant {index} gives {get(grant, 'permission')} to {group}"


RULE = ResourceRule(META, validate)
