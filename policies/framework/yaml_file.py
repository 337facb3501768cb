"""The project's one YAML reader: stack files, the pack's exceptions, price tables, project files.

Refused, each as `file:line:column: problem` (`YamlFileError`): syntax errors, a key given twice
in one mapping, nesting deeper than `MAX_DEPTH`, aliases that expand to more than `MAX_VALUES`
values (an alias bomb fails before anything is built) or refer to their own container, and
unquoted scalars that YAML 1.1 (this reader) and YAML 1.2 (Pulumi's own reader of stack files)
read differently: `NO` and `on` are booleans to one and text to the other, `012` an octal or a
decimal number. It lives in the pack because the pack runs in its own environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH: Final = 64
MAX_VALUES: Final = 100_000
_BOOL_12: Final = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
# YAML 1.2 core schema numbers (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_INT_12: Final = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_12: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL_TAG, _STR_TAG = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:str"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_TRUE_11: Final = frozenset({"yes", "y", "on", "true"})
_LEADING_ZERO: Final = re.compile(r"[-+]?0[0-9_]+")


@dataclass(eq=False)  # an exception: Python sets its __traceback__ when raised
class YamlFileError(ValueError):
    """A YAML document that cannot be read as written; `str()` is `source:line:column: problem`."""

    source: str
    line: int
    column: int
    problem: str

    @property
    def where(self) -> str:
        """`source:line:column`, or the source alone when no position applies."""
        return f"{self.source}:{self.line}:{self.column}" if self.line else self.source

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def read_yaml(path: Path, *, source: str | None = None) -> Any:
    """The one document of the YAML file at `path`, named `source` (default: the path) in
    errors; raises `YamlFileError`, also when the file cannot be read."""
    name = str(path) if source is None else source
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise YamlFileError(name, 0, 0, f"not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise YamlFileError(name, 0, 0, f"cannot be read: {err.strerror or err}") from err
    return load_yaml(text, source=name)


def read_buildspec(path: Path) -> Any:
    """A CodeBuild buildspec, read as CodeBuild reads it: YAML 1.1 (`discard-paths: yes` is its
    documented boolean). Only for files the project hands to another tool, never its own config."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise YamlFileError(str(path), 0, 0, f"not a readable buildspec: {err}") from err


def load_yaml(text: str, *, source: str = "<text>") -> Any:
    """The one document of `text` (None when it is empty); raises `YamlFileError`."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _Checker().check(node)
        return loader.construct_document(node)
    except _RefusedError as err:
        raise YamlFileError(source, err.line, err.column, err.problem) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(filter(None, (err.context, err.problem)))
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise YamlFileError(source, line, column, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise YamlFileError(source, 0, 0, f"not valid YAML: {err}") from None
    finally:
        loader.dispose()


class _RefusedError(Exception):
    def __init__(self, node: Node, problem: str) -> None:
        super().__init__(problem)
        self.line, self.column = node.start_mark.line + 1, node.start_mark.column + 1
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with nesting bounded while the document is composed."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _RefusedError(
                    ScalarNode(_STR_TAG, "", mark, mark), f"nested deeper than {MAX_DEPTH} levels"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Checker:
    """One walk of the composed document: what it expands to, its keys and its plain scalars."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def check(self, node: Node) -> None:
        if self.size(node, "") > MAX_VALUES:
            raise _RefusedError(node, _too_big())

    def size(self, node: Node, path: str) -> int:
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in self.open:
            raise _RefusedError(node, f"{_at(path)}an alias refers to the collection that holds it")
        self.open.add(id(node))
        total = 1
        for child, child_path in self._children(node, path):
            total += self.size(child, child_path)
            if total > MAX_VALUES:
                raise _RefusedError(child, _too_big())
        self.open.discard(id(node))
        self.sizes[id(node)] = total
        return total

    def _children(self, node: Node, path: str) -> Iterator[tuple[Node, str]]:
        if isinstance(node, ScalarNode):
            _check_plain(node, path)
        elif isinstance(node, SequenceNode):
            yield from ((item, f"{path}[{i}]") for i, item in enumerate(node.value))
        elif isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, ScalarNode) else "<complex key>"
                child_path = f"{path}.{name}" if path else name
                if key.tag != _MERGE_TAG and isinstance(key, ScalarNode):
                    _check_plain(key, child_path)
                    _check_repeat(seen, key, path)
                yield value, child_path


def _check_repeat(seen: dict[str, Node], key: ScalarNode, path: str) -> None:
    first = seen.setdefault(key.value, key)
    if first is not key:
        raise _RefusedError(
            key,
            f"{_at(path)}key '{key.value}' appears twice (lines {first.start_mark.line + 1} and"
            f" {key.start_mark.line + 1}); a key may appear once in a mapping",
        )


def _check_plain(node: ScalarNode, path: str) -> None:
    """Refuse an unquoted scalar that YAML 1.1 (this reader) and YAML 1.2 read differently."""
    if node.style is not None:
        return
    text, tag = node.value, node.tag
    numeric_12 = bool(_INT_12.fullmatch(text) or _FLOAT_12.fullmatch(text))
    if tag == _BOOL_TAG and text not in _BOOL_12:
        here = f"the boolean {str(text.lower() in _TRUE_11).lower()}"
        there = "text"
    elif tag in (_INT_TAG, _FLOAT_TAG) and (not numeric_12 or _LEADING_ZERO.fullmatch(text)):
        here = f"the number {yaml.safe_load(text)}"
        there = f"the number {int(text)}" if text.lstrip("+-").isdigit() else "text"
    elif tag == _STR_TAG and numeric_12:
        here, there = "text", "a number"
    else:
        return
    raise _RefusedError(
        node,
        f"{_at(path)}the unquoted {text} reads as {here} here but as {there} to YAML 1.2"
        f" readers: put it in quotes ('{text}')",
    )


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def _too_big() -> str:
    return f"the document expands to more than {MAX_VALUES:,} values through its aliases"
