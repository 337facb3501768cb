"""The moto gaps the emulation bridges, each shown failing in moto as it is and working bridged."""

from __future__ import annotations

from typing import Any

import pytest
from moto.glue.models import FakeCrawler

from pipeline_run import moto_gaps


class _Crawls(list[Any]):
    """A crawler's crawls while another execution starts one: each read of the last crawl
    finds a newer one (finished, then running)."""

    def __init__(self, *states: str) -> None:
        super().__init__([_Crawl(states[0])])
        self._states = list(states)

    def __getitem__(self, index: Any) -> Any:
        return _Crawl(self._states.pop(0) if len(self._states) > 1 else self._states[0])


class _Crawl:
    def __init__(self, status: str) -> None:
        self.status = status


def _crawler(*states: str) -> Any:
    """A moto crawler, as far as its state goes."""
    crawler: Any = object.__new__(FakeCrawler)
    crawler.crawls = _Crawls(*states)
    return crawler


def test_moto_reads_the_last_crawl_several_times_and_trips_on_a_concurrent_start() -> None:
    with pytest.raises(RuntimeError, match="Unexpeected state found for crawler"):
        _ = _crawler("COMPLETED", "RUNNING").status


@pytest.mark.parametrize(
    ("states", "expected"),
    [(("COMPLETED", "RUNNING"), "READY"), (("RUNNING",), "RUNNING"), (("STOPPED",), "READY")],
)
def test_bridged_the_state_comes_from_one_read(states: tuple[str, ...], expected: str) -> None:
    with moto_gaps.bridged():
        assert _crawler(*states).status == expected
