"""The evaluator the access proof uses (principalmapper's local check, adapted in
offline/access/evaluate.py) on documented cases of IAM's evaluation logic, each named by the
document that states it. If a case fails, the proof's answers cannot be trusted."""

from __future__ import annotations

from typing import Any

import pytest

from offline.access.evaluate import Principal, Request, allowed

ACCOUNT, OTHER = "111122223333", "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/data-platform/worker"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd"
MACHINE = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:m"
BUCKET = "arn:aws:s3:::lake"
RULES = "arn:aws:events:*:*:rule/a-*"
ROOT_DELEGATES = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                  "Action": "kms:*", "Resource": "*"}  # fmt: skip


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str, resource: str, **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


def _principal(*statements: dict[str, Any], arn: str = ROLE) -> Principal:
    return Principal(arn, "AROAWORKER", (_doc(*statements),) if statements else ())


CASES: list[tuple[str, Principal, Request, dict[str, Any] | None, str | None, bool]] = [
    # IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow.
    ("explicit deny wins",
     _principal(_allow("s3:GetObject", "*"),
                {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/state/*"}),
     Request("s3:GetObject", f"{BUCKET}/raw/x"), None, None, False),
    ("a deny's NotResource leaves the named objects",
     _principal(_allow("s3:GetObject", "*"),
                {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/state/*"}),
     Request("s3:GetObject", f"{BUCKET}/state/x"), None, None, True),
    # Same page: without an allow, the request is implicitly denied.
    ("no allow, implicit deny", _principal(), Request("s3:GetObject", f"{BUCKET}/x"), None, None,
     False),
    # "Identity-based policies and resource-based policies": within an account, either allows.
    ("identity policy alone, same account", _principal(_allow("s3:GetObject", f"{BUCKET}/*")),
     Request("s3:GetObject", f"{BUCKET}/x"), _doc(), ACCOUNT, True),
    ("resource policy alone names the role, same account", _principal(),
     Request("s3:GetObject", f"{BUCKET}/x"),
     _doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject",
           "Resource": f"{BUCKET}/*"}), ACCOUNT, True),
    ("a resource policy's deny wins", _principal(_allow("s3:GetObject", f"{BUCKET}/*")),
     Request("s3:GetObject", f"{BUCKET}/x", {"aws:SecureTransport": ["false"]}),
     _doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}), ACCOUNT, False),
    # AWS KMS Developer Guide, "Key policies": no principal uses a key unless its key policy
    # allows it, directly or by delegating to the account's IAM policies.
    ("the key policy must allow", _principal(_allow("kms:Decrypt", KEY)),
     Request("kms:Decrypt", KEY),
     _doc({"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:*",
           "Resource": "*"}), ACCOUNT, False),
    ("a key policy delegating to the account, and an identity allow",
     _principal(_allow("kms:Decrypt", KEY)), Request("kms:Decrypt", KEY), _doc(ROOT_DELEGATES),
     ACCOUNT, True),
    ("a delegating key policy without an identity allow", _principal(),
     Request("kms:Decrypt", KEY), _doc(ROOT_DELEGATES), ACCOUNT, False),
    # IAM User Guide, "Cross-account policy evaluation logic": both sides must allow.
    ("cross-account: identity allow without the resource's",
     _principal(_allow("sts:AssumeRole", "*")),
     Request("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target"), _doc(), OTHER, False),
    ("cross-account: the trust allows, the identity does not", _principal(),
     Request("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target"),
     _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
           "Action": "sts:AssumeRole"}), OTHER, False),
    ("cross-account: both allow, with the trust's ArnEquals and external id",
     _principal(_allow("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target")),
     Request("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target",
             {"sts:ExternalId": ["release"], "aws:PrincipalArn": [ROLE]}),
     _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
           "Action": "sts:AssumeRole",
           "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE},
                         "StringEquals": {"sts:ExternalId": "release"}}}), OTHER, True),
    ("cross-account: a wrong external id",
     _principal(_allow("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target")),
     Request("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/target",
             {"sts:ExternalId": ["other"], "aws:PrincipalArn": [ROLE]}),
     _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
           "Action": "sts:AssumeRole",
           "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE},
                         "StringEquals": {"sts:ExternalId": "release"}}}), OTHER, False),
    # IAM User Guide, "Condition operators": StringEquals, ArnLike; AWS KMS Developer Guide,
    # "kms:ViaService" and "kms:EncryptionContext:context-key".
    ("encryption context matches",
     _principal(_allow("kms:GenerateDataKey", KEY, StringEquals={
         "kms:EncryptionContext:aws:states:stateMachineArn": MACHINE,
         "kms:ViaService": "states.eu-west-1.amazonaws.com"})),
     Request("kms:GenerateDataKey", KEY, {
         "kms:EncryptionContext:aws:states:stateMachineArn": [MACHINE],
         "kms:ViaService": ["states.eu-west-1.amazonaws.com"]}), _doc(ROOT_DELEGATES), ACCOUNT,
     True),
    ("another machine's encryption context",
     _principal(_allow("kms:GenerateDataKey", KEY, StringEquals={
         "kms:EncryptionContext:aws:states:stateMachineArn": MACHINE})),
     Request("kms:GenerateDataKey", KEY, {
         "kms:EncryptionContext:aws:states:stateMachineArn": [f"{MACHINE}-other"]}),
     _doc(ROOT_DELEGATES), ACCOUNT, False),
    ("kms:ViaService of another service",
     _principal(_allow("kms:Decrypt", KEY, StringEquals={
         "kms:ViaService": "s3.eu-west-1.amazonaws.com"})),
     Request("kms:Decrypt", KEY, {"kms:ViaService": ["states.eu-west-1.amazonaws.com"]}),
     _doc(ROOT_DELEGATES), ACCOUNT, False),
    ("a condition key absent from the request",
     _principal(_allow("kms:Decrypt", KEY, StringEquals={
         "kms:ViaService": "s3.eu-west-1.amazonaws.com"})),
     Request("kms:Decrypt", KEY), _doc(ROOT_DELEGATES), ACCOUNT, False),
    ("ArnLike with a wildcard",
     _principal(_allow("sns:Publish", "*", ArnLike={"aws:SourceArn": RULES})),
     Request("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:t",
             {"aws:SourceArn": ["arn:aws:events:eu-west-1:111122223333:rule/a-1"]}), None, None,
     True),
    ("ArnLike that does not match",
     _principal(_allow("sns:Publish", "*", ArnLike={"aws:SourceArn": RULES})),
     Request("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:t",
             {"aws:SourceArn": ["arn:aws:events:eu-west-1:111122223333:rule/b-1"]}), None, None,
     False),
    # "IAM JSON policy elements: Condition operators", ForAnyValue: any request value matches.
    ("ForAnyValue:StringLike on the key's aliases",
     _principal(_allow("kms:Decrypt", KEY, **{"ForAnyValue:StringLike": {
         "kms:ResourceAliases": "alias/data-platform-*"}})),
     Request("kms:Decrypt", KEY, {"kms:ResourceAliases": ["alias/x", "alias/data-platform-dev"]}),
     _doc(ROOT_DELEGATES), ACCOUNT, True),
    ("ForAnyValue:StringLike with no alias matching",
     _principal(_allow("kms:Decrypt", KEY, **{"ForAnyValue:StringLike": {
         "kms:ResourceAliases": "alias/data-platform-*"}})),
     Request("kms:Decrypt", KEY, {"kms:ResourceAliases": ["alias/other"]}), _doc(ROOT_DELEGATES),
     ACCOUNT, False),
    # "IAM policy elements: Variables and tags": a variable in a condition value takes the
    # request's value (the Data API's own-statement condition).
    ("a policy variable in a condition value",
     _principal(_allow("redshift-data:GetStatementResult", "*", StringEquals={
         "redshift-data:statement-owner-iam-userid": "${aws:userid}"})),
     Request("redshift-data:GetStatementResult", "*", {
         "redshift-data:statement-owner-iam-userid": ["AROAWORKER:release-session"]}), None,
     None, True),
    ("a policy variable naming someone else's statement",
     _principal(_allow("redshift-data:GetStatementResult", "*", StringEquals={
         "redshift-data:statement-owner-iam-userid": "${aws:userid}"})),
     Request("redshift-data:GetStatementResult", "*", {
         "redshift-data:statement-owner-iam-userid": ["AROAOTHER:someone"]}), None, None, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "request_", "policy", "owner", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_evaluator_answers_as_iam_documents(
    principal: Principal,
    request_: Request,
    policy: dict[str, Any] | None,
    owner: str | None,
    expected: bool,
) -> None:
    assert allowed(principal, request_, resource_policy=policy, resource_owner=owner) is expected
