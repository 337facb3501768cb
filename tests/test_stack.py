"""What `stack.py` declares keeps the URNs of deployed resources: a URN is a component token
chain plus a logical name, and a changed URN makes Pulumi replace the resource."""

from pathlib import Path

import pytest

from offline.capture import Capture, ReleaseCapture

PINNED = Path(__file__).resolve().parent / "fixtures" / "urns"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_pinned_urn_is_still_declared(
    stack: str, shipped_captures: dict[str, Capture]
) -> None:
    # The pins were taken from the capture before the components moved into sub-packages.
    # A resource may be added freely; one that disappears from this list is renamed or
    # re-parented (add `aliases` to its options) or deliberately removed (drop its line).
    pinned = set((PINNED / f"{stack}.txt").read_text().split())
    declared = {r.urn for r in shipped_captures[stack].resources}
    assert sorted(pinned - declared) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_component_tokens_are_the_pinned_ones(
    stack: str, shipped_captures: dict[str, Capture]
) -> None:
    def tokens(urns: set[str]) -> set[str]:
        return {
            part
            for urn in urns
            for part in urn.split("::")[2].split("$")
            if part.startswith("dataplatform:")
        }

    pinned = set((PINNED / f"{stack}.txt").read_text().split())
    declared = {r.urn for r in shipped_captures[stack].resources}
    assert tokens(pinned) <= tokens(declared)
    assert all(t.count(":") == 2 for t in tokens(declared))


def test_every_pinned_urn_of_the_delivery_stack_is_still_declared(
    release_capture: ReleaseCapture,
) -> None:
    # The release pipeline's roles are trusted by name from other accounts; its pipeline's
    # history lives under its URN: a rename needs `aliases`.
    pinned = set((PINNED / "delivery.txt").read_text().split())
    declared = {r.urn for r in release_capture.resources}
    assert sorted(pinned - declared) == []
