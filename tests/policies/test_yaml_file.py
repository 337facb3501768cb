"""The project's one YAML reader refuses what would be read silently wrong: a key given twice,
an alias bomb or a self-referring alias, nesting without end, unquoted values that YAML 1.1 and
1.2 read differently; each refusal names `file:line:column` and the key path."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from offline.capture import PROJECT_ROOT
from policies.framework.yaml_file import MAX_DEPTH, MAX_VALUES, YamlFileError, load_yaml, read_yaml
from tests.stacks import project_files


def _refused(text: str) -> YamlFileError:
    with pytest.raises(YamlFileError) as raised:
        load_yaml(text, source="Pulumi.dev.yaml")
    return raised.value


def _bomb(levels: int) -> str:
    """The classic "billion laughs": each level lists the previous one nine times."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "config:\n  data-platform:platform:\n    environment: dev\n    environment: prod\n",
            "Pulumi.dev.yaml:4:5: config.data-platform:platform: key 'environment' appears twice"
            " (lines 3 and 4); a key may appear once in a mapping",
            id="duplicate-key",
        ),
        pytest.param(
            "pipelines:\n  - name: orders\n    format: csv\n    trigger: {}\n    format: json\n",
            "Pulumi.dev.yaml:5:5: pipelines[0]: key 'format' appears twice (lines 3 and 5)",
            id="duplicate-in-a-list-item",
        ),
        pytest.param(
            "tags:\n  cost_center: NO\n",
            "Pulumi.dev.yaml:2:16: tags.cost_center: the unquoted NO reads as the boolean false"
            " here but as text to YAML 1.2 readers: put it in quotes ('NO')",
            id="yaml-1.1-boolean",
        ),
        pytest.param(
            "delivery:\n  account_id: 012345670123\n",
            "Pulumi.dev.yaml:2:15: delivery.account_id: the unquoted 012345670123 reads as the"
            " number 1402433619 here but as the number 12345670123 to YAML 1.2 readers: put it in"
            " quotes ('012345670123')",
            id="octal-account-id",
        ),
        pytest.param(
            "lake:\n\tzones: []\n",
            "Pulumi.dev.yaml:2:1: not valid YAML: while scanning for the next token found"
            " character '\\t' that cannot start any token",
            id="tab",
        ),
        pytest.param(
            "lake:\n  zones: []\n access_logs: {}\n",
            "Pulumi.dev.yaml:3:2: not valid YAML:",
            id="bad-indent",
        ),
        pytest.param(
            "lake: &lake\n  zones: [*lake]\n",
            "Pulumi.dev.yaml:1:7: lake.zones[0]: an alias refers to the collection that holds it",
            id="self-reference",
        ),
        pytest.param(
            "x: " + "[" * 100 + "]" * 100 + "\n",
            f"Pulumi.dev.yaml:1:{MAX_DEPTH + 3}: nested deeper than {MAX_DEPTH} levels",
            id="deep",
        ),
    ],
)
def test_what_would_be_read_wrong_is_refused_naming_file_line_and_key(
    text: str, message: str
) -> None:
    assert str(_refused(text)).startswith(message)


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    # Nine levels expand to 387 million values; the refusal comes from counting, not building.
    tracemalloc.start()
    try:
        error = _refused(_bomb(9))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (
        error.problem
        == f"the document expands to more than {MAX_VALUES:,} values through its aliases"
    )
    assert peak < 20_000_000


def test_a_bomb_just_under_the_bound_is_read() -> None:
    assert len(load_yaml(_bomb(3))["a3"]) == 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("cost_center: 'NO'\n", {"cost_center": "NO"}, id="quoted-no"),
        pytest.param("protect: false\nrpu: 8\n", {"protect": False, "rpu": 8}, id="bool-int"),
        pytest.param("account_id: '012345670123'\n", {"account_id": "012345670123"}, id="id"),
        pytest.param(
            "base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n",
            {"base": {"x": 1}, "other": {"x": 2}},
            id="merge-key-overridden",
        ),
        pytest.param("", None, id="empty"),
    ],
)
def test_what_reads_the_same_everywhere_is_read(text: str, expected: object) -> None:
    assert load_yaml(text) == expected


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(YamlFileError, match=r"missing\.yaml: cannot be read"):
        read_yaml(tmp_path / "missing.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"owner: caf\xe9\n")
    with pytest.raises(YamlFileError, match=r"latin\.yaml: not UTF-8 text"):
        read_yaml(tmp_path / "latin.yaml")


def test_every_yaml_file_of_the_project_is_read() -> None:
    # Buildspecs are CodeBuild's to read (its `discard-paths: yes` is its own dialect).
    read = [PROJECT_ROOT / name for name in project_files() if name.endswith(".yaml")]
    assert read and all(read_yaml(p) is not None for p in read if p.stat().st_size)


def test_the_project_reads_yaml_only_through_this_reader() -> None:
    readers = re.compile(r"\byaml\.(safe_load|load|full_load|unsafe_load|compose)\(")
    sources = [
        name
        for name in project_files()
        if name.endswith(".py") and not name.startswith("tests/")
        and name != "policies/framework/yaml_file.py"
    ]  # fmt: skip
    assert sources
    assert [n for n in sources if readers.search((PROJECT_ROOT / n).read_text())] == []
