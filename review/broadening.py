"""Which planned changes widen permissions, in the spirit of CDK Pipelines'
ConfirmPermissionsBroadening (`cdk diff --security-only`): an Allow statement added or changed
in an IAM, key, bucket, topic or queue policy or a trust policy; a managed policy attached; a
Lambda permission; security-group ingress. A value the preview cannot know yet (an output of a
resource not created) counts as broadening: nobody can say what it grants.

CLI: `python -m review.broadening preview.json [--json out.json] [--stage-approval true|false]
[--approved-for COMMIT --commit COMMIT]` prints each broadening. As a stage's gate: exit 0 when
there is none, when an approval follows in the stage (`--stage-approval true`), or when the
release was re-run for this very commit with its broadening approved (`--approved-for` equals
`--commit`); else 1, with how to approve (docs/delivery.md, Permission broadening). Exit 2: not
preview output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from review.preview_comment import changed_steps
from review.preview_model import Preview, PreviewFormatError, Step, parse_preview

# The value Pulumi's preview JSON gives an input it does not know yet (pulumi/pulumi,
# sdk/go/common/resource/plugin: UnknownStringValue).
UNKNOWN: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Resource type -> the inputs that grant access.
POLICY_INPUTS: Final[Mapping[str, tuple[str, ...]]] = {
    "aws:iam/role:Role": ("assumeRolePolicy", "inlinePolicies", "managedPolicyArns"),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:kms/keyPolicy:KeyPolicy": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy",),
}
# Types whose every creation or change grants something: attach a policy, permit an invoke,
# open a port.
GRANTING_TYPES: Final = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:lambda/permission:Permission",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
    }
)
_SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"


@dataclass(frozen=True)
class Broadening:
    """One planned change that widens permissions, and how."""

    urn: str
    type: str
    name: str
    reason: str


def _document(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _unknown(value: Any) -> bool:
    return UNKNOWN in json.dumps(value, default=str)


def _allows(value: Any) -> set[str]:
    """The Allow statements (and every Deny a widening could remove) of a policy document."""
    document = _document(value)
    if not isinstance(document, Mapping):
        return {json.dumps(document, sort_keys=True)} if document else set()
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return {json.dumps(s, sort_keys=True) for s in statements if isinstance(s, Mapping)}


def _denies(value: Any) -> set[str]:
    return {s for s in _allows(value) if json.loads(s).get("Effect") == "Deny"}


def _policy_changes(step: Step, inputs: tuple[str, ...]) -> list[str]:
    old = step.old.inputs if step.old else {}
    new = step.new.inputs if step.new else {}
    reasons = []
    for name in inputs:
        after = new.get(name)
        if after is None:
            continue
        if _unknown(after):
            reasons.append(f"`{name}` is not known until deploy (counts as broadening)")
            continue
        added = {
            s
            for s in _allows(after) - _allows(old.get(name))
            if json.loads(s).get("Effect") != "Deny"
        }
        removed_denies = _denies(old.get(name)) - _denies(after)
        if added:
            reasons.append(
                f"`{name}` gains {len(added)} statement(s): " + "; ".join(sorted(added))[:300]
            )
        if removed_denies:
            reasons.append(f"`{name}` loses {len(removed_denies)} Deny statement(s)")
    return reasons


def _ingress(step: Step) -> list[str]:
    old = (step.old.inputs if step.old else {}).get("ingress") or []
    new = (step.new.inputs if step.new else {}).get("ingress") or []
    if _unknown(new):
        return ["`ingress` is not known until deploy (counts as broadening)"]
    added = {json.dumps(r, sort_keys=True) for r in new} - {
        json.dumps(r, sort_keys=True) for r in old
    }
    return [f"`ingress` gains {len(added)} rule(s)"] if added else []


def broadenings(preview: Preview) -> list[Broadening]:
    """Every planned change of the preview that widens permissions."""
    found: list[Broadening] = []
    for step in changed_steps(preview):
        if step.op in ("delete", "delete-replaced", "discard-replaced"):
            continue
        if step.type in POLICY_INPUTS:
            reasons = _policy_changes(step, POLICY_INPUTS[step.type])
        elif step.type in GRANTING_TYPES:
            reasons = [f"{step.op} of a {step.type.rsplit(':', 1)[-1]} grants access"]
        elif step.type == _SECURITY_GROUP:
            reasons = _ingress(step)
        else:
            continue
        found += [Broadening(step.urn, step.type, step.name, r) for r in reasons]
    return found


def render(found: Sequence[Broadening]) -> list[str]:
    """Markdown lines naming each broadening."""
    return [f"- `{b.type}` `{b.name}`: {b.reason}" for b in found]


APPROVE_ADVICE: Final = (
    "This stage deploys without an approval, so it stops on permission broadening. Review the "
    "broadening above, then approve it for this commit by starting the release again:\n"
    "  aws codepipeline start-pipeline-execution --name {pipeline} "
    "--variables name=BROADENING_APPROVED,value={commit} "
    "--source-revisions actionName=Source,revisionType=COMMIT_ID,revisionValue={commit}\n"
    "(docs/delivery.md, Permission broadening)."
)


def gate(
    found: Sequence[Broadening], *, stage_approval: bool, approved_for: str, commit: str
) -> str | None:
    """Why the stage may go on despite `found`, or None when it must stop."""
    if not found:
        return "No permission broadening."
    if stage_approval:
        return "A person approves this stage's deploy, shown this broadening."
    if commit and approved_for == commit:
        return f"The broadening of commit {commit} was approved for this release."
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.broadening", description=__doc__)
    parser.add_argument("preview", type=Path, help="`pulumi preview --json` output")
    parser.add_argument("--json", type=Path, help="also write the broadening here")
    parser.add_argument("--stage-approval", choices=["true", "false"], help="gate a stage")
    parser.add_argument(
        "--approved-for", default="", help="the commit whose broadening is approved"
    )
    parser.add_argument("--commit", default="", help="the commit being released")
    # CodeBuild names a build's starter `codepipeline/<pipeline name>` (CODEBUILD_INITIATOR).
    starter = os.environ.get("CODEBUILD_INITIATOR", "")
    pipeline = starter.removeprefix("codepipeline/") if starter.startswith("codepipeline/") else ""
    parser.add_argument("--pipeline", default=pipeline or "<pipeline>", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        preview = parse_preview(args.preview.read_text(encoding="utf-8"))
    except (OSError, PreviewFormatError) as error:
        print(f"error: {args.preview}: {error}", file=sys.stderr)
        return 2
    found = broadenings(preview)
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(b) for b in found], indent=2), encoding="utf-8")
    print("\n".join(render(found)) or "No permission broadening.")
    if args.stage_approval is None:
        return 1 if found else 0
    reason = gate(
        found,
        stage_approval=args.stage_approval == "true",
        approved_for=args.approved_for,
        commit=args.commit,
    )
    if reason is None:
        print(APPROVE_ADVICE.format(pipeline=args.pipeline, commit=args.commit or "<commit>"))
        return 1
    print(reason)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
