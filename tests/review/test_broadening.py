"""Permission broadening: a change that widens an IAM statement (in any stage's stack) is found
in its preview, stops a stage without an approval until the release is started with that
commit's broadening approved, and is listed in the pull-request comment. The previews here are
built from the program's offline captures: the stack as declared, then with one widened
statement, as `pulumi preview --json` would show the update."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.capture import Capture, ReleaseCapture
from offline.mocks import Registration
from review.broadening import UNKNOWN, broadenings, gate, main
from review.preview_model import Preview, parse_preview
from review.run_preview import StackPreview, combined_comment

POLICY = "aws:iam/rolePolicy:RolePolicy"


def _state(resource: Registration, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"urn": resource.urn, "type": resource.type, "custom": True, "inputs": inputs}


def update_digest(resource: Registration, new_inputs: dict[str, Any]) -> dict[str, Any]:
    """The digest `pulumi preview --json` gives for an update of one resource's inputs."""
    changed = sorted(k for k in new_inputs if new_inputs[k] != resource.inputs.get(k))
    return {
        "steps": [
            {
                "op": "update",
                "urn": resource.urn,
                "oldState": _state(resource, resource.inputs),
                "newState": _state(resource, new_inputs),
                "detailedDiff": {k: {"kind": "update"} for k in changed},
            }
        ],
        "changeSummary": {"update": 1},
    }


def update_preview(resource: Registration, new_inputs: dict[str, Any]) -> Preview:
    return parse_preview(json.dumps(update_digest(resource, new_inputs)))


def _a_role_policy(capture: Capture) -> Registration:
    return next(r for r in capture.resources if r.type == POLICY)


def widened(policy: Registration) -> dict[str, Any]:
    document = json.loads(policy.inputs["policy"])
    first = document["Statement"][0]
    document["Statement"][0] = {**first, "Resource": "*"}
    return {**policy.inputs, "policy": json.dumps(document)}


@pytest.fixture(params=["dev", "prod"])
def stage(
    request: pytest.FixtureRequest,
    fixture_captures: dict[str, Capture],
    fixture_release_capture: ReleaseCapture,
) -> tuple[Capture, bool]:
    """A shipped stage's stack and whether a person approves its deploys."""
    approval = {s.stack: s.approval for s in fixture_release_capture.config.release.stages}
    return fixture_captures[request.param], approval[request.param]


def test_a_widened_statement_is_broadening(stage: tuple[Capture, bool]) -> None:
    capture, _ = stage
    policy = _a_role_policy(capture)
    (found,) = broadenings(update_preview(policy, widened(policy)))
    assert (found.urn, found.type) == (policy.urn, POLICY)
    assert "`policy` gains 1 statement(s)" in found.reason and '"Resource": "*"' in found.reason


def test_a_stage_without_an_approval_stops_until_it_is_approved(
    stage: tuple[Capture, bool],
) -> None:
    capture, approval = stage
    policy = _a_role_policy(capture)
    found = broadenings(update_preview(policy, widened(policy)))
    stops = gate(found, stage_approval=approval, approved_for="none", commit="c0ffee")
    assert (stops is None) is (not approval)
    approved = gate(found, stage_approval=approval, approved_for="c0ffee", commit="c0ffee")
    assert approved is not None
    # Approving another commit's broadening approves nothing of this one.
    other = gate(found, stage_approval=False, approved_for="badc0de", commit="c0ffee")
    assert other is None


def test_an_unchanged_or_narrowed_policy_is_not_broadening(
    fixture_captures: dict[str, Capture],
) -> None:
    policy = _a_role_policy(fixture_captures["dev"])
    document = json.loads(policy.inputs["policy"])
    document["Statement"] = document["Statement"][1:]
    narrowed = {**policy.inputs, "policy": json.dumps(document)}
    assert broadenings(update_preview(policy, narrowed)) == []
    assert broadenings(update_preview(policy, dict(policy.inputs))) == []


def test_an_unknown_policy_counts_as_broadening(fixture_captures: dict[str, Capture]) -> None:
    policy = _a_role_policy(fixture_captures["dev"])
    (found,) = broadenings(update_preview(policy, {**policy.inputs, "policy": UNKNOWN}))
    assert "not known until deploy" in found.reason


def test_a_removed_deny_is_broadening(fixture_captures: dict[str, Capture]) -> None:
    bucket_policy = next(
        r for r in fixture_captures["dev"].resources if r.type == "aws:s3/bucketPolicy:BucketPolicy"
    )
    document = json.loads(bucket_policy.inputs["policy"])
    document["Statement"] = [s for s in document["Statement"] if s["Effect"] != "Deny"]
    lifted = {**bucket_policy.inputs, "policy": json.dumps(document)}
    (found,) = broadenings(update_preview(bucket_policy, lifted))
    assert "loses" in found.reason and "Deny" in found.reason


def test_the_gate_exits_1_with_how_to_approve(
    fixture_captures: dict[str, Capture],
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = _a_role_policy(fixture_captures["dev"])
    resource = policy
    inputs = widened(policy)
    digest = update_digest(resource, inputs)
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(digest))
    args = [str(path), "--stage-approval", "false", "--commit", "c0ffee"]
    assert main([*args, "--approved-for", "none"]) == 1
    out = capsys.readouterr().out
    assert "name=BROADENING_APPROVED,value=c0ffee" in out
    assert "revisionValue=c0ffee" in out
    assert main([*args, "--approved-for", "c0ffee"]) == 0


def test_the_pull_request_comment_lists_the_broadening(
    fixture_captures: dict[str, Capture],
) -> None:
    policy = _a_role_policy(fixture_captures["dev"])
    preview = update_preview(policy, widened(policy))
    digest = update_digest(policy, widened(policy))
    assert broadenings(preview)
    comment = combined_comment([StackPreview("dev", 0, json.dumps(digest), "")], {})
    assert "### Permission broadening (1)" in comment
    assert f"`{policy.name}`" in comment
