"""The README's route from a fresh clone to a deployed stack and back is in the order that
works, and every `make` target it names exists."""

from __future__ import annotations

import re

import pytest

from offline.capture import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()

ROUTES = {
    "first deploy": [
        "## Deploying with the Pulumi CLI",
        "**1. Bootstrap the account**",
        "pulumi stack output PULUMI_SECRETS_PROVIDER",
        "**2. Make the stack file yours.**",
        "make check STACK=dev",
        "**3. Check the prerequisites:** `make doctor STACK=dev`",
        "**4. Deploy:** `make deploy STACK=dev`",
        "(cd policies && uv sync --locked)",
        "pulumi preview --stack dev --diff --policy-pack policies",
        "pulumi up --stack dev --policy-pack policies",
        "**5. Confirm the alert subscriptions.**",
        "### See it work",
    ],
    "teardown": [
        "## Tearing down",
        "it first runs `pulumi up`",
        "It runs `pulumi destroy`",
        "`pulumi up --stack prod`, `pulumi destroy --stack prod`",
    ],
    "prerequisites before the first command": [
        "### What the machine needs",
        "Java 17",
        "Pulumi CLI 3.272.0",
        "### First commands",
        "make check STACK=dev",
    ],
}


@pytest.mark.parametrize("markers", ROUTES.values(), ids=ROUTES.keys())
def test_the_documented_route_is_in_order(markers: list[str]) -> None:
    position = 0
    for marker in markers:
        assert marker in README[position:], f"{marker!r} missing or out of order"
        position += README[position:].index(marker)


def test_every_make_target_the_readme_names_exists() -> None:
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    defined = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.M))
    assert named <= defined
    assert {"doctor", "deploy", "destroy", "new-stack"} <= named
