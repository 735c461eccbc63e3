"""A Filter split into removable pieces: each chip is one condition and the filter without it.

Why pieces of the model rather than of the typed text: the text may be written in many ways
(`tag:A,B` or `tag:A tag:B`), but the model has one field per kind of condition, so each value
of each field is one chip, labelled with the canonical text of that piece alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.analysis import DEFAULT_EXCLUDED, Filter

LIST_FIELDS = (
    "accounts",
    "platforms",
    "metrics",
    "tags_any",
    "tags_all",
    "tags_none",
    "text",
    "text_none",
)
SCALAR_FIELDS = ("since", "until", "last_days", "score")


@dataclass(frozen=True)
class Chip:
    label: str
    without: Filter


def chips(chosen: Filter) -> list[Chip]:
    """One chip per condition, in the order the text form lists them."""
    found: list[Chip] = []
    for name in LIST_FIELDS:
        values: list[str] = getattr(chosen, name)
        for value in values:
            piece = Filter(**{name: [value]})
            rest = chosen.model_copy(update={name: [v for v in values if v != value]})
            found.append(Chip(piece.to_text(), rest))
    for name in SCALAR_FIELDS:
        value = getattr(chosen, name)
        if value is not None:
            piece = Filter(**{name: value})
            found.append(Chip(piece.to_text(), chosen.model_copy(update={name: None})))
    for index, condition in enumerate(chosen.conditions):
        rest = chosen.model_copy(
            update={"conditions": [c for i, c in enumerate(chosen.conditions) if i != index]}
        )
        found.append(Chip(Filter(conditions=[condition]).to_text(), rest))
    if chosen.excluded != DEFAULT_EXCLUDED:
        found.append(
            Chip(
                Filter(excluded=chosen.excluded).to_text(),
                chosen.model_copy(update={"excluded": DEFAULT_EXCLUDED}),
            )
        )
    return found
