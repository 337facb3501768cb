"""The deploy role's grants are derived from what the platform declares: every resource type of
the shipped stacks belongs to a service the deploy may manage, and the deploy may manage no
service that nothing declares (AWS managed PowerUserAccess is gone for good)."""

import pulumi
import pytest

from components.delivery.deploy_services import SERVICE_OF_TYPE, granted_services
from components.delivery.target_access import deploy_statements
from components.shared.aws_context import AwsEnv
from offline.capture import Capture, ReleaseCapture

# Services the deploy needs without declaring their resources: the caller's identity, and the
# warehouse admin secret Redshift creates for the program (manage_master_password).
SUPPORTING = {"sts", "secretsmanager"}


def service_of(type_token: str) -> str | None:
    """The IAM service of a pulumi_aws resource type, by module/resource, else by module."""
    module_and_resource = type_token.split(":")[1]
    module = module_and_resource.split("/")[0]
    return SERVICE_OF_TYPE.get(module_and_resource, SERVICE_OF_TYPE.get(module))


def _deploy_services() -> set[str]:
    env = AwsEnv(region="eu-west-1", account_id=pulumi.Output.from_input("123456789012"))
    return granted_services(deploy_statements(env, "state-bucket", "alias/data-platform-state"))


def _declared_types(captures: dict[str, Capture]) -> set[str]:
    return {r.type for c in captures.values() for r in c.resources if r.custom}


def test_every_declared_type_is_of_a_service_the_deploy_manages(
    user_captures: dict[str, Capture],
) -> None:
    granted = _deploy_services()
    unmapped = sorted(t for t in _declared_types(user_captures) if service_of(t) is None)
    assert unmapped == [], "map each new module to its IAM service in deploy_services.py"
    missing = sorted(t for t in _declared_types(user_captures) if service_of(t) not in granted)
    assert missing == []


def test_the_deploy_manages_no_service_nothing_declares(
    fixture_captures: dict[str, Capture],
) -> None:
    declared = {service_of(t) for t in _declared_types(fixture_captures)}
    assert _deploy_services() - declared == SUPPORTING


@pytest.mark.parametrize("policy", ["PowerUserAccess", "AdministratorAccess", "IAMFullAccess"])
def test_no_shipped_stack_attaches_an_escalating_managed_policy(
    fixture_captures: dict[str, Capture], fixture_release_capture: ReleaseCapture, policy: str
) -> None:
    captures: list[Capture | ReleaseCapture] = [*fixture_captures.values(), fixture_release_capture]
    attached = [
        r.inputs["policyArn"]
        for c in captures
        for r in c.resources
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    ]
    assert not [arn for arn in attached if arn.endswith(f"/{policy}")]
