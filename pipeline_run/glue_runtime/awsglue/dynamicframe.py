"""DynamicFrame, as far as the scripts use it: a wrapper of a Spark DataFrame."""

from __future__ import annotations

from typing import Any


class DynamicFrame:
    """A named Spark DataFrame."""

    def __init__(self, frame: Any, glue_ctx: Any, name: str) -> None:
        self._frame, self.glue_ctx, self.name = frame, glue_ctx, name

    @classmethod
    def fromDF(cls, dataframe: Any, glue_ctx: Any, name: str) -> DynamicFrame:  # noqa: N802
        return cls(dataframe, glue_ctx, name)

    def toDF(self) -> Any:  # noqa: N802
        return self._frame

    def count(self) -> int:
        return int(self._frame.count())
