"""The world of the access proof (the delivery stack, its stages' platform stacks, bootstrap in
each of their accounts), captured once per session, and the SDK call extractor with its cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from offline.access.platform import Extract
from offline.access.proof import world_from
from offline.access.sdk_calls import SdkCall, extracted
from offline.access.world import World
from offline.capture import PROJECT_ROOT, Capture, ReleaseCapture, capture_stack
from offline.mocks import Registration
from tests.stacks import FIXTURE_STACKS


@pytest.fixture(scope="session")
def extract(request: pytest.FixtureRequest) -> Extract:
    """The extractor, caching each file's calls by its content between runs (pytest's cache)."""
    cache = getattr(request.config, "cache", None)
    directory = None if cache is None else Path(cache.mkdir("access-sdk-calls"))

    found: dict[tuple[Path, ...], list[SdkCall]] = {}

    def run(files: Sequence[Path]) -> list[SdkCall]:
        key = tuple(sorted(files))
        if key not in found:
            found[key] = extracted(PROJECT_ROOT, key, directory)
        return list(found[key])

    return run


@pytest.fixture(scope="session")
def access_world(
    fixture_release_capture: ReleaseCapture, fixture_captures: dict[str, Capture]
) -> World:
    """Every stack the shipped release touches, as the proof sees them."""
    stages = [s.stack for s in fixture_release_capture.config.release.stages]
    platforms = [fixture_captures.get(s) or capture_stack(s, FIXTURE_STACKS) for s in stages]
    return world_from(fixture_release_capture, platforms)


def changed(
    world: World, pick: Callable[[Registration], bool], change: Callable[[Registration], Any]
) -> World:
    """The world with every registration `pick` selects replaced by `change` of it."""
    picked = 0

    def swap(registration: Registration) -> Registration:
        nonlocal picked
        if not pick(registration):
            return registration
        picked += 1
        return change(registration)  # type: ignore[no-any-return]

    stacks = [replace(s, resources=tuple(swap(r) for r in s.resources)) for s in world.stacks]
    assert picked, "the change selects no registration"
    return World(stacks)
