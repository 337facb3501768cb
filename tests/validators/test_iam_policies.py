"""Every IAM policy document of the shipped stacks passes parliament, the IAM policy linter:
role and trust policies, bucket, key, topic and queue policies. Accepted findings are data with
a reason (accepted_findings.py); a malformed document fails."""

import fnmatch
import json
from collections.abc import Iterable

import parliament
import pytest

from offline.capture import Capture, ReleaseCapture
from tests.bootstrap.test_release_roles import BACKEND, _run
from tests.validators.accepted_findings import ACCEPTED, Accepted
from tests.validators.documents import Document, declared_policy_documents, policy_documents

Finding = tuple[Document, str, str]
KINDS = {
    ("aws:iam/role:Role", "assumeRolePolicy"),
    ("aws:iam/rolePolicy:RolePolicy", "policy"),
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
    ("aws:kms/key:Key", "policy"),
    ("aws:sns/topicPolicy:TopicPolicy", "policy"),
    ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
}


SERVICES = {service["prefix"] for service in parliament.iam_definition}


def findings(documents: Iterable[Document]) -> list[Finding]:
    """(document, issue, detail) of every parliament finding, but those about stand-in ARNs."""
    found: list[Finding] = []
    for document in documents:
        policy = parliament.analyze_policy_string(document.text)
        found += [
            (document, f.issue, _detail(f.detail))
            for f in policy.findings
            if not (f.issue == "RESOURCE_MISMATCH" and _stand_ins_only(document, f.detail))
        ]
    return found


def _stand_ins_only(document: Document, mismatches: list[dict[str, str]]) -> bool:
    """Whether every mismatched resource is an ARN of no AWS service: an output of another
    resource as the offline mocks stand it in (`arn:aws:<pulumi module>:...`), not as AWS
    returns it. Such ARNs are not linted; with ARNs in AWS's formats they are."""
    statements = json.loads(document.text)["Statement"]
    for mismatch in mismatches:
        for statement in statements:
            actions = statement.get("Action", [])
            if mismatch["action"] not in (actions if isinstance(actions, list) else [actions]):
                continue
            resources = statement.get("Resource", [])
            for arn in resources if isinstance(resources, list) else [resources]:
                wanted = mismatch["required_format"]
                if arn == wanted or (wanted != "*" and fnmatch.fnmatchcase(arn, wanted)):
                    continue
                if arn.count(":") < 5 or arn.split(":")[2] in SERVICES:
                    return False
    return True


def _detail(detail: object) -> str:
    return detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True)


def _accepts(entry: Accepted, finding: Finding) -> bool:
    document, issue, detail = finding
    return (
        entry.issue == issue
        and (entry.type, entry.prop) == (document.type, document.prop)
        and fnmatch.fnmatchcase(detail, entry.detail)
        and fnmatch.fnmatchcase(document.resource, entry.resource)
    )


def unaccepted(found: Iterable[Finding]) -> list[str]:
    return [
        f"{doc.where}: {issue}: {detail}"
        for doc, issue, detail in found
        if not any(_accepts(entry, (doc, issue, detail)) for entry in ACCEPTED)
    ]


def _all_findings(captures: list[Capture | ReleaseCapture]) -> list[Finding]:
    """Every policy of the stacks, and bootstrap's release roles."""
    documents = [d for c in captures for d in policy_documents(c)]
    documents += declared_policy_documents("bootstrap", _run(BACKEND).values())
    return findings(documents)


@pytest.fixture(scope="module")
def shipped_findings(
    fixture_captures: dict[str, Capture], fixture_release_capture: ReleaseCapture
) -> list[Finding]:
    """Every policy of the fixture stacks (platform and delivery) and bootstrap's roles."""
    return _all_findings([*fixture_captures.values(), fixture_release_capture])


@pytest.fixture(scope="module")
def user_findings(
    user_captures: dict[str, Capture], user_release_captures: dict[str, ReleaseCapture]
) -> list[Finding]:
    """Every policy of the user's stacks (platform and delivery) and bootstrap's roles."""
    return _all_findings([*user_captures.values(), *user_release_captures.values()])


def test_the_release_and_its_roles_are_linted(shipped_findings: list[Finding]) -> None:
    linted = {(d.stack, d.resource) for d, _, _ in shipped_findings}
    assert ("bootstrap", "release-deploy") in linted  # its trust policy's accepted finding


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_kind_of_policy_document_is_linted(
    stack: str, fixture_captures: dict[str, Capture]
) -> None:
    kinds = {(d.type, d.prop) for d in policy_documents(fixture_captures[stack])}
    assert kinds == KINDS


def test_the_user_stacks_policy_documents_have_no_unaccepted_finding(
    user_findings: list[Finding],
) -> None:
    assert unaccepted(user_findings) == []


@pytest.mark.parametrize("entry", ACCEPTED, ids=lambda e: f"{e.issue}-{e.type}-{e.resource}")
def test_every_accepted_finding_still_occurs(
    entry: Accepted, shipped_findings: list[Finding]
) -> None:
    assert entry.reason
    assert any(_accepts(entry, finding) for finding in shipped_findings), "remove the entry"


def _document(statement: dict[str, object]) -> Document:
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return Document("test", "broken-policy", "aws:iam/rolePolicy:RolePolicy", "policy", text)


@pytest.mark.parametrize(
    ("statement", "issue"),
    [
        pytest.param(
            {"Effect": "Deny", "Action": "iam:PutRolePolicy", "Resource": "${aws:PrincipalArn}"},
            "INVALID_ARN",
            id="variable-as-resource",
        ),
        pytest.param(
            {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
            "UNKNOWN_ACTION",
            id="unknown-action",
        ),
        pytest.param(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"},
            "RESOURCE_MISMATCH",
            id="object-action-on-a-bucket",
        ),
        pytest.param(
            {"Effect": "Allow", "Action": "sqs:SendMessage"},
            "MALFORMED",
            id="no-resource-in-a-role-policy",
        ),
    ],
)
def test_a_malformed_document_is_reported(statement: dict[str, object], issue: str) -> None:
    found = findings([_document(statement)])
    assert issue in {i for _, i, _ in found}
    assert unaccepted(found)
