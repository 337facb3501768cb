"""SEC-007: no security group opens ports other than the allowed ones (80/443) to the internet.

Ingress is judged wherever it is declared: inline `ingress` blocks of a SecurityGroup, a
SecurityGroupRule of type ingress, and a vpc.SecurityGroupIngressRule. Protocol "-1" (all
traffic) opens every port.
"""

from collections.abc import Iterator
from typing import Any

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, NotApplicableError, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known

GROUP = "aws:ec2/securityGroup:SecurityGroup"
RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
OPEN = {"0.0.0.0/0", "::/0"}

META = RuleMeta(
    id="SEC-007",
    name="security-group-restricted-ingress",
    description="Security groups must open only allowed ports to 0.0.0.0/0 or ::/0.",
    severity=Severity.HIGH,
    controls=(fsbp("EC2.18"), nist("SC-7"), nist("AC-4")),
    remediation=(
        "Restrict the source to known CIDRs, a prefix list or a security group, or open only "
        "the ports listed in this rule's allowedPorts config."
    ),
    resource_types=(GROUP, RULE_TYPE, INGRESS_RULE),
    config_schema={
        "allowedPorts": {
            "type": "array",
            "items": {"type": "integer"},
            "default": [80, 443],
            "description": "TCP ports that may be open to the whole internet.",
        }
    },
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    allowed = set(config["allowedPorts"])
    for where, entry, cidrs in _ingress(resource):
        sources = sorted(OPEN & {str(c) for c in cidrs})
        if not sources:
            continue
        low, high, protocol = _ports(entry)
        if protocol in ("-1", "all") or not set(range(low, high + 1)) <= allowed:
            span = "all ports" if protocol in ("-1", "all") else f"ports {low}-{high}"
            yield f"{where} opens {span} to {', '.join(sources)}"


def _ingress(resource: Subject) -> Iterator[tuple[str, Any, list[Any]]]:
    props = resource.props
    if resource.type == GROUP:
        for index, block in enumerate(as_list(known(get(props, "ingress"), "ingress"))):
            cidrs = as_list(get(block, "cidrBlocks")) + as_list(get(block, "ipv6CidrBlocks"))
            yield f"ingress[{index}]", block, cidrs
    elif resource.type == RULE_TYPE:
        if known(get(props, "type"), "the rule type") != "ingress":
            raise NotApplicableError(f"{resource.label} is an egress rule")
        cidrs = as_list(known(get(props, "cidrBlocks"), "cidrBlocks"))
        yield "rule", props, cidrs + as_list(known(get(props, "ipv6CidrBlocks"), "ipv6"))
    else:
        cidrs = [known(get(props, k), k) for k in ("cidrIpv4", "cidrIpv6")]
        yield "rule", props, [c for c in cidrs if c]


def _ports(entry: Any) -> tuple[int, int, str]:
    protocol = str(known(get(entry, "ipProtocol") or get(entry, "protocol"), "the protocol"))
    low = known(get(entry, "fromPort"), "fromPort")
    high = known(get(entry, "toPort"), "toPort")
    if low is None or high is None:
        return 0, 65535, protocol
    return int(low), int(high), protocol


RULE = ResourceRule(META, validate)
