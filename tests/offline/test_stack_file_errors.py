"""`make check` on a stack file that YAML would read silently wrong: exit 2 with `file:line:column`
and the key, before anything is declared; and values YAML coerced, explained in its own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.check import main as check
from offline.status import USAGE as EXIT_USAGE
from tests.stacks import FIXTURE_STACKS, fixture_project


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, stack: str = "dev"
) -> str:
    """`make check` of the fixture stack with `old` replaced by `new` in its file; stderr."""
    root = fixture_project(tmp_path / "project")
    path = root / f"Pulumi.{stack}.yaml"
    text = (FIXTURE_STACKS / f"Pulumi.{stack}.yaml").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert check(["--stack", stack, "--root", str(root), "--no-policies"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "    environment: dev\n",
            "    environment: dev\n    environment: prod\n",
            "Pulumi.dev.yaml:6:5: config.data-platform:platform: key 'environment' appears twice"
            " (lines 5 and 6); a key may appear once in a mapping",
            id="environment-twice",
        ),
        pytest.param(
            "        format: csv\n",
            "        format: csv\n        format: json\n",
            "Pulumi.dev.yaml:42:9: config.data-platform:platform.pipelines[0]: key 'format' appears"
            " twice (lines 41 and 42)",
            id="format-twice-in-a-pipeline",
        ),
        pytest.param(
            "    tags:\n",
            "    tags:\n\t\n",
            "Pulumi.dev.yaml:7:1: not valid YAML: while scanning for the next token found",
            id="tab",
        ),
        pytest.param(
            "      cost_center: CC-1040\n",
            "      cost_center: NO\n",
            "Pulumi.dev.yaml:8:20: config.data-platform:platform.tags.cost_center: the unquoted NO"
            " reads as the boolean false here but as text to YAML 1.2 readers: put it in quotes",
            id="cost-center-no",
        ),
        pytest.param(
            "config:\n",
            "bomb: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
            + "config:\n",
            "the document expands to more than 100,000 values through its aliases",
            id="alias-bomb",
        ),
    ],
)
def test_a_stack_file_read_wrong_exits_2_naming_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    err = _check(tmp_path, capsys, old, new)
    assert err.startswith("error: ")
    assert message in err


def test_a_stage_whose_stack_file_is_broken_is_named_by_its_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fixture_project(tmp_path / "project")
    prod = root / "Pulumi.prod.yaml"
    prod.write_text(prod.read_text().replace("    environment: prod\n", "    environment: [\n", 1))
    assert check(["--stack", "delivery", "--root", str(root), "--no-policies"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "release.stages[1].stack: stack 'prod': Pulumi.prod.yaml:" in err
    assert "not valid YAML" in err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "aws:region: eu-west-1",
            "aws:region: eu-wset-1",
            "aws:region: must be an AWS region of the pulumi-aws SDK's Region list, such as"
            " eu-west-1; did you mean eu-west-1? (got 'eu-wset-1')",
            id="region-typo",
        ),
        pytest.param(
            "aws:region: eu-west-1",
            "aws:region: us-east-9",
            "aws:region: must be an AWS region of the pulumi-aws SDK's Region list",
            id="region-that-does-not-exist",
        ),
        pytest.param(
            '      # delivery_account_id: "210987654321"',
            "      delivery_account_id: 210987654321",
            "platform.delivery.delivery_account_id: must be a 12-digit AWS account id in quotes;"
            " got the number 210987654321: YAML reads unquoted digits as a number, so put the"
            " value in quotes",
            id="unquoted-account-id",
        ),
        pytest.param(
            "      cost_center: CC-1040",
            "      cost_center: false",
            "platform.tags.cost_center: must be 1-256 letters, digits, spaces or _.:/=+-@; got the"
            " boolean false: YAML reads an unquoted true or false as a boolean, so put the value"
            " in quotes",
            id="boolean-cost-center",
        ),
        pytest.param(
            "source_prefix: orders/",
            "source_prefix: " + "orders/" * 348 + "x/",
            "platform.pipelines[0].source_prefix: must be an S3 key prefix such as 'orders/'"
            " ending in '/', at most 512 characters (S3 keys are at most 1,024 bytes, file names"
            " included)",
            id="prefix-longer-than-s3-keys-allow",
        ),
        pytest.param(
            "trigger: {kind: object-created}",
            "trigger: {kind: object-create}",
            "platform.pipelines[0].trigger: unknown kind 'object-create'; allowed:"
            " object-created, schedule",
            id="unknown-trigger-kind",
        ),
        pytest.param(
            "key_columns: [order_id]",
            "key_columns: [order_no]",
            "platform.pipelines[0]: key column 'order_no' must also be listed in required_columns",
            id="key-column-not-required",
        ),
    ],
)
def test_a_value_yaml_coerced_or_a_bad_value_is_explained_in_the_projects_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    err = _check(tmp_path, capsys, old, new)
    assert message in err
    for pydantic_words in ("Input should", "Input tag", "Field required", "Extra inputs"):
        assert pydantic_words not in err
