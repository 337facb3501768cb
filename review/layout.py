"""Fits a pull-request comment into its provider's size limit by priority.

A comment is a list of blocks in reading order, each with a rank: when the whole does not fit,
the items of the highest-ranked blocks are shortened first, each shortened list ends with an
"… and N more" line, and a closing note names the provider whose limit applied. Sizes are
counted in UTF-8 bytes, so a limit in characters is respected too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class CommentLimit:
    """A provider's comment size limit and what the rendered body may use of it."""

    provider: str
    chars: int
    budget: int

    @property
    def note(self) -> str:
        """The closing note of a shortened comment."""
        return (
            f"_Shortened to fit {self.provider}'s comment size limit ({self.chars:,} characters):"
            " the lists above say how many entries were left out; the build log has them all._"
        )


# GitHub rejects issue and pull-request comments over 65,536 characters; CodeCommit's
# PostCommentForPullRequest fails with CommentContentSizeLimitExceededException over 10,240.
# The budgets leave room for the status block, the footer and the hidden marker.
GITHUB: Final = CommentLimit("GitHub", 65_536, 60_000)
CODECOMMIT: Final = CommentLimit("CodeCommit", 10_240, 9_040)
LIMITS: Final = {"github": GITHUB, "codecommit": CODECOMMIT}


@dataclass(frozen=True)
class Block:
    """One part of a comment: `head`, then `frame` and `items` when any item is shown, `tail`.

    `rank` orders shortening (highest first; 0 is never shortened); `cap` bounds the items
    shown whatever the size; `more` is the "… and {n} more" line, `{n}` filled in.
    """

    head: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    frame: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    rank: int = 0
    cap: int | None = None
    more: str = "- … and {n} more"

    def initial(self) -> int:
        """How many items are shown before any size limit applies."""
        return len(self.items) if self.cap is None else min(self.cap, len(self.items))

    def lines(self, shown: int) -> list[str]:
        """The block's lines with its first `shown` items."""
        kept = [*self.frame, *self.items[:shown]] if shown else []
        left = len(self.items) - shown
        more = self.more.format(n=f"{left:,}").split("\n") if left else []
        return [*self.head, *kept, *more, *self.tail]


def size(text: str) -> int:
    """The size of `text` as the limits count it: UTF-8 bytes."""
    return len(text.encode("utf-8"))


def _join(blocks: Sequence[Block], shown: Sequence[int], note: Sequence[str]) -> str:
    lines = [line for block, n in zip(blocks, shown, strict=True) for line in block.lines(n)]
    return "\n".join([*lines, *note]).rstrip() + "\n"


def _largest_fitting(
    blocks: Sequence[Block], shown: list[int], index: int, note: Sequence[str], budget: int
) -> int:
    low, high = 0, shown[index]
    while low < high:
        middle = (low + high + 1) // 2
        trial = [*shown[:index], middle, *shown[index + 1 :]]
        if size(_join(blocks, trial, note)) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


FENCE: Final = "```\n"


def cut_at_line(text: str, budget: int, *, tail: str) -> str:
    """`text` cut after its last whole line that fits, then `tail`, within `budget` UTF-8 bytes.

    A code fence the cut leaves open is closed before `tail`, so the tail never renders as code.
    """
    room = budget - size(tail) - size(FENCE) - 1
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        if used + size(line) > room:
            break
        kept.append(line)
        used += size(line)
    cut = "".join(kept)
    if cut and not cut.endswith("\n"):
        cut += "\n"
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        cut += FENCE
    return cut + tail


def fit(blocks: Sequence[Block], limit: CommentLimit = GITHUB) -> str:
    """The comment's text within `limit.budget`, shortened by rank when it must be."""
    shown = [block.initial() for block in blocks]
    text = _join(blocks, shown, [])
    if size(text) <= limit.budget:
        return text
    note = ["", limit.note]
    order = sorted(range(len(blocks)), key=lambda i: (-blocks[i].rank, -i))
    for index in (i for i in order if blocks[i].rank > 0 and shown[i]):
        shown[index] = _largest_fitting(blocks, shown, index, note, limit.budget)
        text = _join(blocks, shown, note)
        if size(text) <= limit.budget:
            return text
    return cut_at_line(text.rstrip(), limit.budget, tail="\n".join(note) + "\n")
