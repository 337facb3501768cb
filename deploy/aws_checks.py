"""Prerequisites in the AWS account, read with the operator's credentials: who they are, that the
account is the stack file's, and that bootstrap/'s outputs exist there (state bucket, account
key, Data Catalog encryption). The repository belongs to the delivery stack's account."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (  # type: ignore[import-untyped]  # no type information
    BotoCoreError,
    ClientError,
)

from deploy.findings import Finding
from deploy.target import StackTarget

SIGN_IN = (
    "sign in for the stack's account: `aws sso login --profile <profile>` and"
    " `export AWS_PROFILE=<profile>`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)
BOOTSTRAP = "deploy bootstrap/ in this account and region (README, Deploying with the Pulumi CLI)"


def aws_findings(target: StackTarget, session: Any) -> list[Finding]:
    """Credentials first; every other check needs them."""
    try:
        identity = session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        later = ["account", "state bucket", "account key", "catalog encryption"]
        return [
            Finding.fail("AWS credentials", f"none usable ({err})", SIGN_IN),
            *(Finding.skip(name, "AWS credentials") for name in later),
        ]
    account = str(identity["Account"])
    found = [Finding.ok("AWS credentials", f"{identity['Arn']}")]
    found.append(_account(target, account))
    found.append(_state_bucket(target, session))
    found.append(_account_key(target, session))
    found.append(_catalog_encryption(target, session))
    return found


def _account(target: StackTarget, account: str) -> Finding:
    expected = target.expected_account
    if expected is None:
        return Finding.warn(
            "account", f"{account}; the stack file names none (no platform.delivery)"
        )
    if expected != account:
        return Finding.fail(
            "account",
            f"the credentials are for account {account}, the stack file's is account {expected}",
            f"use credentials for account {expected}, or set platform.delivery to the outputs"
            f" of bootstrap/ in account {account}",
        )
    return Finding.ok("account", f"{account}, as the stack file says")


def _state_bucket(target: StackTarget, session: Any) -> Finding:
    delivery = target.config.platform.delivery
    if delivery is None:
        return Finding.warn("state bucket", "the stack file names no backend: using your login")
    bucket = delivery.state_bucket
    try:
        session.client("s3").head_bucket(Bucket=bucket)
    except ClientError as err:
        code = _code(err)
        detail = "does not exist" if code in ("404", "NoSuchBucket") else f"not readable ({code})"
        return Finding.fail("state bucket", f"{bucket} {detail}", BOOTSTRAP)
    return Finding.ok("state bucket", delivery.state_backend_url)


def _account_key(target: StackTarget, session: Any) -> Finding:
    alias = target.config.platform.account.key_alias
    try:
        key = session.client("kms", region_name=target.region).describe_key(KeyId=alias)
    except ClientError as err:
        return Finding.fail("account key", f"{alias} in {target.region}: {_code(err)}", BOOTSTRAP)
    state = key["KeyMetadata"]["KeyState"]
    if state != "Enabled":
        return Finding.fail(
            "account key",
            f"{alias} in {target.region} is {state}",
            "enable the key, or cancel its deletion (AWS KMS console)",
        )
    return Finding.ok("account key", f"{alias} in {target.region}")


def _catalog_encryption(target: StackTarget, session: Any) -> Finding:
    glue = session.client("glue", region_name=target.region)
    try:
        settings = glue.get_data_catalog_encryption_settings()["DataCatalogEncryptionSettings"]
    except ClientError as err:
        return Finding.warn("catalog encryption", f"not readable in {target.region} ({_code(err)})")
    mode = settings.get("EncryptionAtRest", {}).get("CatalogEncryptionMode", "DISABLED")
    if mode != "SSE-KMS":
        return Finding.warn(
            "catalog encryption",
            f"the Glue Data Catalog of {target.region} is not encrypted ({mode})",
            "bootstrap/ encrypts it (backend.glue_catalog_encryption, on by default)",
        )
    return Finding.ok("catalog encryption", f"SSE-KMS in {target.region}")


def _code(err: ClientError) -> str:
    """The AWS error code of a failed call (`NoSuchBucket`, `NotFoundException`, ...)."""
    return str(err.response.get("Error", {}).get("Code", ""))
