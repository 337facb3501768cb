"""The program stops before declaring anything when the state bucket belongs to another account
than the AWS credentials deploy to; the check reads the caller identity, which the mocks answer
as any account a test names."""

import pulumi
import pytest

from offline.capture import capture_stack
from offline.mocks import Registration
from stack_config.delivery import DeliverySettings
from tests.stacks import fixture_values

SECRETS = "awskms://alias/data-platform-state?region=eu-west-1"


@pytest.mark.parametrize(
    ("url", "account"),
    [
        pytest.param("s3://data-platform-state-123456789012", "123456789012", id="bootstrap"),
        pytest.param("s3://acme-state-210987654321/pulumi", "210987654321", id="with-prefix"),
        pytest.param("s3://shared-pulumi-state", None, id="named-otherwise"),
        pytest.param("s3://state-12345678901", None, id="not-an-account-id"),
    ],
)
def test_state_account_is_read_from_bootstraps_bucket_name(url: str, account: str | None) -> None:
    settings = DeliverySettings.model_validate(
        {"state_backend_url": url, "secrets_provider": SECRETS, "account_id": "210987654321"}
        if account is None
        else {"state_backend_url": url, "secrets_provider": SECRETS}
    )
    assert settings.state_account == account
    assert settings.target_account == (account or "210987654321")


def test_a_bucket_named_otherwise_needs_the_account_id() -> None:
    with pytest.raises(ValueError, match="account_id is required: the state bucket 'shared'"):
        DeliverySettings.model_validate(
            {"state_backend_url": "s3://shared", "secrets_provider": SECRETS}
        )


def test_a_deploy_to_another_account_stops_before_any_resource() -> None:
    registered: list[Registration] = []
    with pytest.raises(pulumi.RunError) as error:
        capture_stack(
            "dev",
            values=fixture_values("dev"),
            account_id="987654321098",
            on_register=registered.append,
        )
    assert str(error.value) == (
        "platform.delivery.state_backend_url: the state bucket "
        "'data-platform-state-123456789012' belongs to account 123456789012, but the AWS "
        "credentials deploy to account 987654321098; set it and delivery.secrets_provider to "
        "the outputs of bootstrap/ in account 987654321098 (docs/delivery.md)"
    )
    assert registered == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_deploy_to_the_state_buckets_account_proceeds(stack: str) -> None:
    capture = capture_stack(stack, values=fixture_values(stack), account_id="123456789012")
    assert capture.resources
