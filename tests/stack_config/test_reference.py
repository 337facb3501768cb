"""docs/configuration.md is generated from the models: fresh, complete, and faithful to each
key's type, constraints, default and description."""

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from stack_config import reference
from stack_config.base import StrictModel, matching
from stack_config.describe import sections
from stack_config.root import PlatformSettings
from stack_config.schedule import Schedule
from tests.generated import assert_fresh


def test_configuration_reference_is_fresh() -> None:
    assert_fresh(reference.OUTPUT, reference.render())


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """Every model reachable from `model` through its fields' annotations."""
    seen.add(model)

    def walk(annotation: Any) -> None:
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if is_model and annotation not in seen:
            _models(annotation, seen)
        for arg in getattr(annotation, "__args__", ()):
            walk(arg)

    for info in model.model_fields.values():
        walk(info.annotation)
    return seen


MODELS = sorted(_models(PlatformSettings, set()), key=lambda m: m.__name__)


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_key_is_described_in_its_model_and_listed_in_the_reference(
    model: type[BaseModel],
) -> None:
    text = reference.OUTPUT.read_text(encoding="utf-8")
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no description"
        row = f"| `{info.alias or name}` |"
        assert any(
            line.startswith(row) and info.description.split("`")[0][:40] in line
            for line in text.splitlines()
        ), f"{model.__name__}.{name} is not listed with its description"


@pytest.mark.parametrize(
    "section, key, cells",
    [
        ("`platform`", "operations", ("object: [`platform.operations`]", "**required**")),
        ("`platform.warehouse` with `kind: serverless`", "classification", ("one of `public`",)),
        ("`platform.warehouse` with `kind: provisioned`", "database_name", ("`analytics`",)),
        ("`platform.warehouse` with `kind: provisioned`", "admin_username", ("`platform_admin`",)),
        ("`release`", "compute_type", ("`BUILD_GENERAL1_SMALL`",)),
        ("`platform.kms`", "deletion_window_days", ("integer (7 to 30)", "`30`")),
        ("`platform.pipelines[].trigger` with `kind: schedule`", "expression", ("schedule",)),
        ("`platform.lake`", "artifacts", ("keys as in [`platform.lake.access_logs`]",)),
    ],
)
def test_keys_appear_in_their_section_with_type_and_default(
    section: str, key: str, cells: tuple[str, ...]
) -> None:
    body = reference.render().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    (row,) = [line for line in body.splitlines() if line.startswith(f"| `{key}` |")]
    for cell in cells:
        assert cell in row


def test_every_link_points_to_a_heading() -> None:
    text = reference.render()
    anchors = {reference.anchor(h) for h in re.findall(r"^## (.+)$", text, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links <= anchors
    # GitHub's anchors for headings with code spans, brackets and colons.
    assert {"platformlakezones", "platformwarehouse-with-kind-serverless"} <= anchors


class _Inner(StrictModel):
    """An inner object."""

    size: Annotated[int, Field(ge=1, le=9)] = Field(default=3, description="How big.")


class _Small(StrictModel):
    kind: Literal["small"] = Field(description="Small.")


class _Large(StrictModel):
    kind: Literal["large"] = Field(description="Large.")
    when: Schedule = Field(description="When.")


class _Sample(StrictModel):
    """A sample."""

    name: Annotated[str, matching(r"[a-z]+", "lower-case letters")] = Field(description="Name.")
    inner: _Inner = Field(default_factory=_Inner, description="Inner.")
    items: list[_Inner] = Field(min_length=2, description="Items.")
    variant: Annotated[_Small | _Large, Field(discriminator="kind")] | None = Field(
        default=None, description="Variant."
    )


def test_a_model_renders_as_sections_with_exact_rows() -> None:
    found = {s.title: s for s in sections(_Sample, "x")}
    assert list(found) == [
        "`x`",
        "`x.inner`",
        "`x.variant`",
        "`x.variant` with `kind: small`",
        "`x.variant` with `kind: large`",
    ]
    rows = {r.key: (r.type_text, r.link, r.default, r.shared) for r in found["`x`"].rows}
    assert rows == {
        "name": ("string (lower-case letters)", None, "**required**", False),
        "inner": ("object", "x.inner", "every key's default", False),
        "items": ("list of object (at least 2 items)", "x.inner", "**required**", True),
        "variant": ("object chosen by `kind` or null", "x.variant", "null (unset)", False),
    }
    (size,) = found["`x.inner`"].rows
    assert (size.type_text, size.default) == ("integer (1 to 9)", "`3`")
    assert found["`x.variant`"].variants == (
        ("small", "`x.variant` with `kind: small`"),
        ("large", "`x.variant` with `kind: large`"),
    )
    when = found["`x.variant` with `kind: large`"].rows[1]
    assert when.type_text == "string (a [schedule](#schedule-expressions))"


def test_check_reports_a_stale_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(reference, "OUTPUT", stale)
    assert reference.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "old\n"
    assert "stale" in capsys.readouterr().err
    assert reference.main([]) == 0
    assert reference.main(["--check"]) == 0


class _Lengths(BaseModel):
    code: str = Field(min_length=2)
    tags: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)


def test_a_text_length_counts_characters_and_a_list_length_items() -> None:
    (section,) = sections(_Lengths, "x")
    rows = {r.key: r.type_text for r in section.rows}
    assert rows == {
        "code": "string (at least 2 characters)",
        "tags": "list of string (at least 1 character) (at least 1 item)",
    }
