"""Text shown to people is redacted with the credential shapes and names SEC-010 judges inputs by:
what the rule would report is what the pull-request comment hides."""

from __future__ import annotations

import pytest

from policies.framework.credentials import REDACTED, redact, shape_of

# One value of each shape SEC-010 reports (policies/framework/credentials.py).
SHAPED = {
    "an AWS access key id": "AKIAIOSFODNN7EXAMPLE",
    "a GitHub token": "ghp_" + "a1B2" * 9,
    "a Slack token": "xoxb-1234567890-abcdefghij",
    "a Slack webhook URL": "https://hooks.slack.com/services/T0000/B0000/abcdefXYZ",
    "a Stripe secret key": "sk_live_" + "a1B2c3D4e5F6g7H8",
    "a private key": "-----BEGIN RSA PRIVATE KEY-----",
    "a password in a URL": "postgres://admin:s3cret@db.example.com/app",
}


@pytest.mark.parametrize(("kind", "value"), SHAPED.items(), ids=SHAPED.keys())
def test_every_shape_the_rule_reports_is_redacted(kind: str, value: str) -> None:
    assert shape_of(value) == kind
    shown = redact(f"error: request failed with {value} in it")
    assert REDACTED in shown
    assert value not in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "failed: AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "failed: AWS_SECRET_ACCESS_KEY=[redacted]",
            id="named-in-an-environment",
        ),
        pytest.param(
            'body {"db_password": "s3cr3t-value", "name": "orders"}',
            'body {"db_password": "[redacted]", "name": "orders"}',
            id="named-in-json",
        ),
        pytest.param(
            "key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY alone",
            "key [redacted] alone",
            id="a-bare-secret-access-key",
        ),
        pytest.param(
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQ\n"
            "-----END PRIVATE KEY-----\nok",
            "[redacted]\nok",
            id="a-private-key-whole",
        ),
        pytest.param(
            "kms_key_id: arn:aws:kms:eu-west-1:111122223333:key/abc passwordLength=16",
            "kms_key_id: arn:aws:kms:eu-west-1:111122223333:key/abc passwordLength=16",
            id="references-and-settings-stay",
        ),
    ],
)
def test_credentials_are_redacted_and_the_rest_stays(text: str, expected: str) -> None:
    assert redact(text) == expected
