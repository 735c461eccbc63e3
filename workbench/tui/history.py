"""The filters applied, to step back and forth through (undo, redo).

Why only applied filters: a filter that was refused never took effect, so undo goes back to
what was shown before, not to a typo. Stepping back does not forget the later filters until
a new one is applied, as in an editor.
"""

from __future__ import annotations

from workbench.analysis import Filter

LIMIT = 100


class FilterHistory:
    """`current` is the filter in effect; `undo`/`redo` return the one to apply, or None."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.past: list[Filter] = []
        self.future: list[Filter] = []
        self.current = Filter()

    def record(self, applied: Filter) -> None:
        """A filter took effect (the one undo/redo asked for, or a new one)."""
        if applied == self.current:
            return
        self.past = [*self.past, self.current][-self.limit :]
        self.future = []
        self.current = applied

    def undo(self) -> Filter | None:
        return self._step(self.past, self.future)

    def redo(self) -> Filter | None:
        return self._step(self.future, self.past)

    def _step(self, source: list[Filter], target: list[Filter]) -> Filter | None:
        """The last filter of `source` becomes current; the current one goes onto `target`."""
        if not source:
            return None
        target.append(self.current)
        self.current = source.pop()
        return self.current
