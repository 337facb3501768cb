"""Fitting a comment by priority: highest ranks shortened first, "and N more", the provider."""

from __future__ import annotations

import pytest

from review.layout import Block, CommentLimit, fit, size

SMALL = CommentLimit("CodeCommit", 10_240, 400)


def _items(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"- {prefix} {i:02d} {'x' * 20}" for i in range(count))


def _blocks() -> list[Block]:
    return [
        Block(head=("# title", "")),
        Block(head=("## keep",), items=_items("error", 3), rank=1, tail=("",)),
        Block(head=("## table",), items=_items("row", 40), rank=2, tail=("",)),
    ]


def test_a_comment_that_fits_is_whole() -> None:
    text = fit(_blocks(), CommentLimit("GitHub", 65_536, 60_000))
    assert text.count("- row") == 40
    assert "Shortened" not in text


def test_the_highest_rank_is_shortened_first_and_says_how_many_more() -> None:
    text = fit(_blocks(), SMALL)
    assert size(text) <= SMALL.budget
    assert text.count("- error") == 3
    kept = text.count("- row")
    assert 0 < kept < 40
    assert f"- … and {40 - kept} more" in text
    assert text.rstrip().endswith("_Shortened to fit CodeCommit's comment size limit (10,240 "
                                  "characters): the lists above say how many entries were left "
                                  "out; the build log has them all._")  # fmt: skip


@pytest.mark.parametrize("budget", [pytest.param(60, id="tiny"), pytest.param(120, id="small")])
def test_a_fixed_part_too_big_for_the_budget_is_cut_at_a_line(budget: int) -> None:
    blocks = [Block(head=tuple(f"line {i}" for i in range(50)))]
    text = fit(blocks, CommentLimit("GitHub", 65_536, budget + 200))
    assert size(text) <= budget + 200
    assert text.startswith("line 0\n")
    assert "Shortened to fit GitHub's" in text


def test_a_capped_block_says_how_many_more_whatever_the_size() -> None:
    block = Block(items=_items("error", 25), cap=20, more="- … and {n} more errors")
    assert fit([block]).splitlines()[-1] == "- … and 5 more errors"


def test_a_cut_inside_a_code_block_closes_it_before_the_note() -> None:
    log = Block(head=("```", *(f"log line {i} {'x' * 40}" for i in range(40)), "```"))
    limit = CommentLimit("CodeCommit", 10_240, 800)
    text = fit([Block(head=("# title",)), log], limit)
    assert size(text) <= limit.budget
    fences = [i for i, line in enumerate(text.splitlines()) if line == "```"]
    assert len(fences) == 2
    assert text.splitlines()[-1].startswith("_Shortened to fit CodeCommit's")
    assert fences[-1] < len(text.splitlines()) - 1
