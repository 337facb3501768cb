"""What the program declares for the user's stacks keeps the URNs of deployed resources: a URN
is a component token chain plus a logical name, and a changed URN makes Pulumi replace the
resource. One test, so a deliberate removal is one failure naming the command that accepts it."""

from pathlib import Path

import pytest

from offline.capture import Capture, ReleaseCapture
from tests.urn_pins import explain, pin_problems, write_pins


def _declared(*captures: dict[str, Capture] | dict[str, ReleaseCapture]) -> dict[str, set[str]]:
    return {s: {r.urn for r in c.resources} for found in captures for s, c in found.items()}


def test_every_pinned_urn_is_still_declared(
    user_captures: dict[str, Capture], user_release_captures: dict[str, ReleaseCapture]
) -> None:
    problems = pin_problems(_declared(user_captures, user_release_captures))
    if problems:
        pytest.fail(explain(problems), pytrace=False)


def test_a_removed_pipeline_or_stack_is_named_with_the_command_that_refreshes_the_pins(
    fixture_captures: dict[str, Capture], tmp_path: Path
) -> None:
    declared = _declared(fixture_captures)
    assert write_pins(declared, tmp_path) == [
        f"wrote {stack}.txt ({len(urns)} URNs)" for stack, urns in sorted(declared.items())
    ]
    kept = {u for u in declared["dev"] if not u.split("::")[-1].startswith("clickstream")}
    removed = len(declared["dev"]) - len(kept)
    assert removed > 5, "the fixture's dev stack declares a clickstream pipeline"

    problems = pin_problems({"dev": kept}, tmp_path)

    assert problems[0].startswith(
        f"dev: {removed} pinned URN(s) no longer declared:\n    urn:pulumi:dev"
    )
    assert problems[0].endswith(f"... and {removed - 5} more")
    assert problems[1] == "prod: pinned, but there is no Pulumi.prod.yaml any more"
    assert "refresh the pins: make urn-pins" in explain(problems)
    assert write_pins({"dev": kept}, tmp_path) == [
        "removed prod.txt (no Pulumi.prod.yaml)",
        f"wrote dev.txt ({len(kept)} URNs)",
    ]
    assert pin_problems({"dev": kept}, tmp_path) == []


def test_component_tokens_are_area_and_class(user_captures: dict[str, Capture]) -> None:
    tokens = {
        part
        for capture in user_captures.values()
        for resource in capture.resources
        for part in resource.urn.split("::")[2].split("$")
        if part.startswith("dataplatform:")
    }
    assert tokens and all(t.count(":") == 2 for t in tokens)
