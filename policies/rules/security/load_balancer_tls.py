"""SEC-017: load balancer listeners do not serve plaintext HTTP.

An application load balancer listener on HTTP passes only when its default action redirects to
HTTPS (ELB.1); a Classic Load Balancer listener must be HTTPS or SSL (ELB.3).
"""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.sdk_data import family
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known, shallow

LISTENERS = family("aws:lb/listener:Listener")
CLASSIC = family("aws:elb/loadBalancer:LoadBalancer")

META = RuleMeta(
    id="SEC-017",
    name="load-balancer-tls",
    description="Load balancer listeners must use HTTPS or TLS, or redirect HTTP to HTTPS.",
    severity=Severity.HIGH,
    controls=(fsbp("ELB.1"), fsbp("ELB.3"), nist("SC-8"), nist("SC-8(1)")),
    remediation=(
        "Serve HTTPS with an ACM certificate; keep an HTTP listener only with a default action "
        "of type 'redirect' to protocol 'HTTPS'. On a Classic Load Balancer use HTTPS or SSL "
        "listeners."
    ),
    resource_types=(*LISTENERS, *CLASSIC),
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    if resource.type in CLASSIC:
        listeners = as_list(shallow(get(resource.props, "listeners"), "listeners"))
        for index, listener in enumerate(listeners):
            protocol = str(get(listener, "lbProtocol") or "").lower()
            if protocol in ("http", "tcp"):
                yield f"listeners[{index}] serves {protocol.upper()} in plaintext"
        return
    protocol = known(get(resource.props, "protocol"), "protocol")
    if protocol == "HTTP" and not _redirects_to_https(resource):
        yield "serves HTTP without redirecting to HTTPS"


def _redirects_to_https(listener: Subject) -> bool:
    actions = as_list(shallow(get(listener.props, "defaultActions"), "defaultActions"))
    return any(
        known(get(a, "type"), "defaultActions.type") == "redirect"
        and known(get(a, "redirect", "protocol"), "defaultActions.redirect.protocol") == "HTTPS"
        for a in actions
    )


RULE = ResourceRule(META, validate)
