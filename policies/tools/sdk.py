"""Reads the installed pulumi-aws SDK's source once: every resource class with the facts the pack's
data files are generated from (type token, tag support, type aliases, inputs the SDK always makes
secret). Reading the source avoids importing the SDK's ~2000 modules; nothing here runs in the pack.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_RESOURCE = re.compile(r"^class (\w+)\(pulumi\.CustomResource\):", re.M)
_CLASS = re.compile(r"^class (\w+)", re.M)
_ALIASES = re.compile(r"alias_opts = pulumi\.ResourceOptions\(aliases=\[(.*?)\]\)")
_ALIAS_TYPE = re.compile(r'type_="(aws:[^"]+)"')
_SECRET_INPUT = re.compile(
    r'__props__\.__dict__\["(\w+)"\] = None if \w+ is None else pulumi\.Output\.secret'
)
_GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\n\s+def (\w+)\(')


@dataclass(frozen=True)
class SdkResource:
    """One resource class of pulumi-aws, as its source declares it."""

    token: str
    taggable: bool
    deprecated: bool
    aliases: tuple[str, ...]
    secret_inputs: tuple[str, ...]  # wire (camelCase) names


def sdk_root() -> Path:
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        raise SystemExit("pulumi_aws is not installed in this environment")
    return Path(spec.origin).parent


def sdk_version() -> str:
    return importlib.metadata.version("pulumi_aws")


def class_body(source: str, name: str) -> str:
    start = re.search(rf"^class {name}\b.*$", source, re.M)
    if start is None:
        return ""
    following = _CLASS.search(source, start.end())
    return source[start.end() : following.start() if following else len(source)]


@cache
def resources(root: Path | None = None) -> tuple[SdkResource, ...]:
    """Every resource class under `root` (the installed SDK by default), sorted by token."""
    found = []
    for path in sorted((root or sdk_root()).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for name in _RESOURCE.findall(source):
            token = re.search(rf"super\({name}, __self__\).__init__\(\s*'(aws:[^']+)'", source)
            if token is not None:
                found.append(_resource(source, name, token.group(1)))
    return tuple(sorted(found, key=lambda r: r.token))


def _resource(source: str, name: str, token: str) -> SdkResource:
    body = class_body(source, name)
    args = class_body(source, f"{name}Args")
    aliases = _ALIASES.search(body)
    wire = {snake: camel or snake for camel, snake in _GETTER.findall(body)}
    return SdkResource(
        token=token,
        taggable=bool(re.search(r"pulumi\.set\(__self__, \"tags\"", args)),
        deprecated=f"{name} is deprecated: " in body,
        aliases=tuple(sorted(set(_ALIAS_TYPE.findall(aliases.group(1))))) if aliases else (),
        secret_inputs=tuple(sorted(wire.get(s, s) for s in set(_SECRET_INPUT.findall(body)))),
    )


def generator_main(
    prog: str, output: Path, render: Callable[[], dict[str, Any]], argv: list[str] | None
) -> int:
    """The command line every generator shares: write `output`, or `--check` that it is fresh."""
    parser = argparse.ArgumentParser(
        prog=prog, description=f"Regenerate {output.name} from the installed pulumi-aws SDK."
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is stale; write nothing"
    )
    args = parser.parse_args(argv)
    text = json.dumps(render(), indent=1) + "\n"
    if args.check:
        stale = not output.exists() or output.read_text(encoding="utf-8") != text
        if stale:
            print(f"{output} is stale; run {prog}")
        return 1 if stale else 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0
