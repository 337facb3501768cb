"""What data sources and stack references return in an offline preview: a user's answers file
first, then the built-in answers (`offline.invokes`, `offline.lookups`).

An answers file (YAML or JSON) is

    invokes:
      - token: aws:ssm/getParameter:getParameter   # the token the check names when it stops
        args: {name: /app/db-host}                 # optional: only calls with these arguments
        result: {value: db.internal, type: String, arn: "arn:aws:ssm:..."}
    stackReferences:
      acme/network/prod: {vpcId: vpc-0123456789abcdef0}

The first entry whose token matches and whose `args` are all equal in the call answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from offline.invokes import answer_invoke
from policies.framework.yaml_file import YamlFileError, read_yaml


class AnswersError(ValueError):
    """The answers file cannot be read or does not have the documented shape."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InvokeAnswer(_Strict):
    token: Annotated[str, Field(min_length=3, description="The invoke's token, e.g. aws:x/y:y.")]
    args: Annotated[
        dict[str, Any], Field(description="Arguments a call must have to get this answer.")
    ] = {}
    result: Annotated[dict[str, Any], Field(description="What the data source returns.")]


class AnswersFile(_Strict):
    invokes: Annotated[list[InvokeAnswer], Field(description="Data source answers.")] = []
    stackReferences: Annotated[  # noqa: N815 - the file's key, as Pulumi spells it
        dict[str, dict[str, Any]],
        Field(description="Stack name (org/project/stack) -> its outputs."),
    ] = {}


@dataclass(frozen=True)
class Answers:
    """The user's answers; built-in answers stand behind them."""

    invokes: tuple[InvokeAnswer, ...] = ()
    stack_references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = ""

    def answer(
        self, token: str, args: Mapping[str, Any], region: str, account: str
    ) -> tuple[dict[str, Any] | None, str]:
        """The result of invoke `token` and who answered it ("" when nobody could)."""
        for given in self.invokes:
            if given.token == token and all(args.get(k) == v for k, v in given.args.items()):
                return dict(given.result), self.source
        built_in = answer_invoke(token, dict(args), region, account)
        return built_in, "" if built_in is None else "built-in"


def load_answers(path: Path | None) -> Answers:
    """The answers file at `path` (none: built-in answers only)."""
    if path is None:
        return Answers()
    try:
        document = read_yaml(path) or {}
    except YamlFileError as err:
        raise AnswersError(f"answers file {err}") from err
    try:
        parsed = AnswersFile.model_validate(document)
    except ValidationError as err:
        problems = "; ".join(
            f"{_path(e['loc'])}: {e['msg']}" for e in err.errors(include_url=False)
        )
        raise AnswersError(f"answers file {path}: {problems}") from None
    return Answers(tuple(parsed.invokes), parsed.stackReferences, str(path))


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"
