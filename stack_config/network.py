"""Network settings: a VPC the platform manages, or an existing one it only uses.

A managed VPC's private subnets are computed from its CIDR (one per availability zone); a NAT
gateway is opt-in because it is the largest idle cost of a small data platform.
"""

import ipaddress
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from stack_config.base import StrictModel, matching

InterfaceService = Literal[
    "glue",
    "redshift",
    "redshift-data",
    "redshift-serverless",
    "sts",
    "logs",
    "monitoring",
    "states",
    "kms",
    "secretsmanager",
    "sns",
    "sqs",
    "lambda",
    "events",
    "athena",
]
"""AWS services reachable through an interface endpoint (`com.amazonaws.<region>.<service>`)."""


def _private_network(min_prefix: int, max_prefix: int) -> AfterValidator:
    def check(value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as err:
            raise ValueError(f"must be an IPv4 network such as 10.20.0.0/16 ({err})") from None
        if not min_prefix <= network.prefixlen <= max_prefix:
            raise ValueError(f"must be a /{min_prefix} to /{max_prefix} network")
        if not network.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return value

    check.__doc__ = f"A private (RFC 1918) IPv4 network, /{min_prefix} to /{max_prefix}."
    return AfterValidator(check)


ManagedCidr = Annotated[str, _private_network(16, 24)]
ExistingCidr = Annotated[str, _private_network(16, 28)]
VpcId = Annotated[str, matching(r"vpc-[0-9a-f]{8,17}", "a VPC id such as vpc-0123456789abcdef0")]
SubnetId = Annotated[
    str, matching(r"subnet-[0-9a-f]{8,17}", "a subnet id such as subnet-0123456789abcdef0")
]

# Subnets are carved as /(prefix + 3) blocks: private subnets take the first blocks, the NAT
# gateway's public subnet (when enabled) the last one, so at most 7 private subnets fit.
SUBNET_NEWBITS = 3
MAX_AZS = 2**SUBNET_NEWBITS - 1


class ManagedNetwork(StrictModel):
    """A VPC created by the platform: private subnets, endpoints, flow logs, closed default SG."""

    kind: Literal["managed"] = Field(description="The platform creates and owns the VPC.")
    cidr_block: ManagedCidr = Field(
        description="Private IPv4 range of the VPC, a /16 to /24 network (e.g. 10.20.0.0/16)."
    )
    availability_zones: Annotated[int, Field(ge=3, le=MAX_AZS)] = Field(
        default=3, description="Number of availability zones with a private subnet (3-7)."
    )
    nat_gateway: bool = Field(
        default=False,
        description="Add one NAT gateway (with a public subnet and internet gateway) for egress"
        " to the internet; off by default, it is the largest idle cost of a small platform.",
    )
    interface_endpoints: list[InterfaceService] = Field(
        description="AWS services reached privately through interface endpoints (billed per"
        " endpoint per AZ-hour); S3 always gets a free gateway endpoint."
    )
    flow_logs_traffic: Literal["ALL", "REJECT", "ACCEPT"] = Field(
        default="ALL", description="Which traffic the VPC flow logs record."
    )

    @model_validator(mode="after")
    def _endpoints_unique(self) -> Self:
        """interface_endpoints names each service once."""
        repeated = sorted(
            {s for s in self.interface_endpoints if self.interface_endpoints.count(s) > 1}
        )
        if repeated:
            raise ValueError(f"interface_endpoints must be unique; repeated: {', '.join(repeated)}")
        return self

    def subnet_cidrs(self) -> tuple[list[str], str]:
        """The private subnet CIDRs (one per AZ) and the CIDR reserved for the public subnet."""
        blocks = list(ipaddress.IPv4Network(self.cidr_block).subnets(prefixlen_diff=SUBNET_NEWBITS))
        private = [str(block) for block in blocks[: self.availability_zones]]
        return private, str(blocks[-1])


class ExistingNetwork(StrictModel):
    """A VPC owned elsewhere; the platform only places its resources in the given subnets."""

    kind: Literal["existing"] = Field(description="Use a VPC the platform does not manage.")
    vpc_id: VpcId = Field(description="Id of the existing VPC.")
    private_subnet_ids: list[SubnetId] = Field(
        min_length=3,
        description="Private subnets in at least three availability zones (Redshift Serverless"
        " needs three).",
    )
    cidr_block: ExistingCidr = Field(
        description="Primary IPv4 CIDR of the VPC; the only source admitted to the warehouse."
    )

    @model_validator(mode="after")
    def _subnets_unique(self) -> Self:
        """private_subnet_ids names each subnet once."""
        if len(set(self.private_subnet_ids)) != len(self.private_subnet_ids):
            raise ValueError("private_subnet_ids must be unique")
        return self


NetworkSettings = Annotated[ManagedNetwork | ExistingNetwork, Field(discriminator="kind")]
"""The `platform.network` object: `kind: managed` or `kind: existing`."""
