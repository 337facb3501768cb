"""Values a stack file took from the documentation and must not deploy with: the example
account id of AWS's documentation, which the shipped stack files carry until edited.

The offline check only warns (it has no account to compare with); a deploy stops on it, since
the program compares the state bucket's account with the deploying one.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from stack_config.loader import PLATFORM_KEY, format_path

EXAMPLE_ACCOUNT_ID = "123456789012"


def example_account_paths(values: Mapping[str, Any]) -> list[str]:
    """Key paths, written as config errors write them (`platform.delivery.state_backend_url`),
    whose value still holds the example account id."""
    found: list[str] = []
    for key, value in values.items():
        root = "platform" if key == PLATFORM_KEY else key
        found += [format_path([root, *loc]) for loc in _holding(value, ())]
    return found


def _holding(value: Any, loc: tuple[int | str, ...]) -> Iterator[tuple[int | str, ...]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _holding(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _holding(item, (*loc, index))
    elif isinstance(value, str) and EXAMPLE_ACCOUNT_ID in value:
        yield loc


def example_account_warning(stack: str, values: Mapping[str, Any]) -> str | None:
    """The warning `make check` prints for a stack file still holding the example id."""
    paths = example_account_paths(values)
    if not paths:
        return None
    return (
        f"warning: the stack file of '{stack}' still holds the documented example account id "
        f"{EXAMPLE_ACCOUNT_ID} at {', '.join(paths)}; replace it with your account's id "
        "(bootstrap/'s outputs): a deploy stops on a state bucket of another account"
    )
