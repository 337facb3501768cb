"""A whole ASL document. It only serialises after validate() has proved that every transition
target exists, every state is reachable from StartAt, and every state can still reach a terminal
state.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

from components.pipelines.asl.fields import ALL_ERRORS, JsonValue, _put
from components.pipelines.asl.states import Choice, Fail, Map, Pass, State, Succeed, Task

QueryLanguage: TypeAlias = Literal["JSONPath", "JSONata"]

_MAX_STATE_NAME = 80


class DefinitionError(ValueError):
    """A state machine definition that Step Functions would reject or that could never finish."""

    def __init__(self, state: str | None, problem: str) -> None:
        where = "definition" if state is None else f"state {state!r}"
        super().__init__(f"{where}: {problem}")
        self.state = state
        self.problem = problem


def _normal_targets(state: State) -> tuple[str, ...]:
    """Targets taken when nothing fails: Next, Choice rules and Default."""
    if isinstance(state, Choice):
        default = () if state.default is None else (state.default,)
        return tuple(rule.next for rule in state.choices) + default
    if isinstance(state, Succeed | Fail):
        return ()
    return () if state.next is None else (state.next,)


def _all_targets(state: State) -> tuple[str, ...]:
    catches = tuple(c.next for c in state.catch) if isinstance(state, Task | Map) else ()
    return _normal_targets(state) + catches


def _is_terminal(state: State) -> bool:
    if isinstance(state, Succeed | Fail):
        return True
    return not isinstance(state, Choice) and state.end


def _check_transition(name: str, state: State) -> None:
    if isinstance(state, Choice | Succeed | Fail):
        return
    if state.next is not None and state.end:
        raise DefinitionError(name, "has both Next and End; a state ends or moves on, not both")
    if state.next is None and not state.end:
        raise DefinitionError(name, "has neither Next nor End")


def _check_error_lists(name: str, field: str, lists: Sequence[tuple[str, ...]]) -> None:
    for index, errors in enumerate(lists):
        if ALL_ERRORS in errors and (len(errors) > 1 or index != len(lists) - 1):
            raise DefinitionError(name, f"{ALL_ERRORS} must be alone in the last {field} entry")


def _check_query_language(name: str, state: State, language: QueryLanguage | None) -> None:
    if isinstance(state, Task) and state.arguments is not None and language != "JSONata":
        raise DefinitionError(name, "uses Arguments, which needs QueryLanguage 'JSONata'")
    if language != "JSONata":
        return
    jsonpath_only = isinstance(state, Choice) or (
        isinstance(state, Task | Pass)
        and (state.parameters is not None or state.result_path != "$")
    )
    if jsonpath_only:
        raise DefinitionError(name, "uses JSONPath fields (Parameters/ResultPath/Variable)")


def _check_state(
    name: str, state: State, names: Mapping[str, State], lang: QueryLanguage | None
) -> None:
    if not name or len(name) > _MAX_STATE_NAME:
        raise DefinitionError(name, f"state names must be 1-{_MAX_STATE_NAME} characters")
    _check_transition(name, state)
    for target in _all_targets(state):
        if target not in names:
            raise DefinitionError(name, f"transitions to {target!r}, which is not a state")
    if isinstance(state, Task | Map):
        _check_error_lists(name, "Retry", [r.error_equals for r in state.retry])
        _check_error_lists(name, "Catch", [c.error_equals for c in state.catch])
    if isinstance(state, Map):
        _check_processor(name, state, lang)
    _check_query_language(name, state, lang)


def _check_processor(name: str, state: Map, lang: QueryLanguage | None) -> None:
    """A Map's item processor is a graph of its own, checked as the top level is."""
    if state.start_at not in state.states:
        raise DefinitionError(name, f"item processor StartAt {state.start_at!r} is not a state")
    try:
        for inner, inner_state in state.states.items():
            _check_state(inner, inner_state, state.states, lang)
        _check_graph(state.start_at, state.states)
    except DefinitionError as error:
        raise DefinitionError(name, f"item processor: {error}") from error


def _closure(seeds: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(seeds)
    queue = deque(seen)
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_graph(start_at: str, states: Mapping[str, State]) -> None:
    reachable = _closure([start_at], {n: _all_targets(s) for n, s in states.items()})
    unreachable = [name for name in states if name not in reachable]
    if unreachable:
        raise DefinitionError(unreachable[0], f"is not reachable from StartAt {start_at!r}")
    # Only normal transitions count as a way out: a loop that ends only when a Task errors would
    # otherwise spin until the execution times out.
    reverse: dict[str, list[str]] = {name: [] for name in states}
    for name, state in states.items():
        for target in _normal_targets(state):
            reverse[target].append(name)
    finishing = _closure([n for n, s in states.items() if _is_terminal(s)], reverse)
    stuck = [name for name in states if name not in finishing]
    if stuck:
        raise DefinitionError(stuck[0], f"can never reach Succeed, Fail or End (stuck: {stuck})")


@dataclass(frozen=True, kw_only=True)
class StateMachineDefinition:
    """A whole ASL document; to_dict()/to_json() validate first and never emit a broken graph."""

    start_at: str
    states: Mapping[str, State]
    comment: str | None = None
    timeout_seconds: int | None = None
    query_language: QueryLanguage | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", MappingProxyType(dict(self.states)))

    def validate(self) -> None:
        """Raise DefinitionError naming the first offending state, if any."""
        if not self.states:
            raise DefinitionError(None, "States is empty")
        if self.start_at not in self.states:
            raise DefinitionError(self.start_at, "is named by StartAt but is not in States")
        for name, state in self.states.items():
            _check_state(name, state, self.states, self.query_language)
        _check_graph(self.start_at, self.states)

    def to_dict(self) -> dict[str, JsonValue]:
        self.validate()
        out: dict[str, JsonValue] = {}
        _put(out, "Comment", self.comment)
        _put(out, "QueryLanguage", self.query_language)
        out["StartAt"] = self.start_at
        _put(out, "TimeoutSeconds", self.timeout_seconds)
        out["States"] = {name: state.to_dict() for name, state in self.states.items()}
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)
