"""SEC-016: CloudFront distributions use HTTPS to viewers and to custom origins.

Every cache behaviour (default and ordered) must not `allow-all` viewer protocols; a custom
origin must not be `http-only`, nor `match-viewer` while a behaviour lets viewers use HTTP.
"""

from collections.abc import Iterator
from typing import Any

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known, shallow

META = RuleMeta(
    id="SEC-016",
    name="cloudfront-https",
    description="CloudFront distributions must use HTTPS to viewers and to custom origins.",
    severity=Severity.HIGH,
    controls=(fsbp("CloudFront.3"), fsbp("CloudFront.9"), nist("SC-8"), nist("SC-8(1)")),
    remediation=(
        "Set viewer_protocol_policy to 'redirect-to-https' or 'https-only' on every cache "
        "behaviour, and origin_protocol_policy to 'https-only' on custom origins."
    ),
    resource_types=("aws:cloudfront/distribution:Distribution",),
)


def validate(distribution: Subject, config: Config) -> Iterator[str]:
    plain_viewers = False
    for where, behaviour in _behaviours(distribution.props):
        policy = known(get(behaviour, "viewerProtocolPolicy"), f"{where}.viewerProtocolPolicy")
        if policy == "allow-all":
            plain_viewers = True
            yield f"{where} lets viewers use HTTP (viewerProtocolPolicy 'allow-all')"
    origins = as_list(shallow(get(distribution.props, "origins"), "origins"))
    for index, origin in enumerate(origins):
        where = f"origins[{index}].customOriginConfig.originProtocolPolicy"
        policy = known(get(origin, "customOriginConfig", "originProtocolPolicy"), where)
        if policy == "http-only" or (policy == "match-viewer" and plain_viewers):
            yield f"origins[{index}] ({get(origin, 'originId')}) is reached over HTTP ({policy})"


def _behaviours(props: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield "defaultCacheBehavior", get(props, "defaultCacheBehavior")
    ordered = as_list(shallow(get(props, "orderedCacheBehaviors"), "orderedCacheBehaviors"))
    yield from ((f"orderedCacheBehaviors[{i}]", b) for i, b in enumerate(ordered))


RULE = ResourceRule(META, validate)
