"""What a filter may name (`KnownNames`), the check of a filter's names against them, and the
completions the filter bar offers.

Why a separate step from compiling: knowing every tag requires reading the data (or the tags
table), which the TUI does once and reuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from workbench.analysis.fields import field_names, nearest, schema_of, unknown_message
from workbench.analysis.filter_model import EXCLUDED_VALUES, KEYS, Filter, FilterError, quote
from workbench.analysis.scales import BAND_NAMES
from workbench.data.schema import METRICS, PLATFORMS


@dataclass(frozen=True)
class KnownNames:
    """What a filter may name: tags, columns and properties, accounts, platforms, metrics."""

    tags: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    accounts: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset(PLATFORMS)
    metrics: frozenset[str] = frozenset(METRICS)
    extra_tags: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_frame(
        cls,
        responses: pl.DataFrame | pl.LazyFrame,
        tags: pl.DataFrame | pl.LazyFrame | Iterable[str] | None = None,
    ) -> KnownNames:
        """The names in a responses frame, plus the names in a tags table (or list) if given.

        Why both: a tag defined in CXI but on no response yet is still a valid filter.
        """
        lazy = responses.lazy()
        schema = schema_of(lazy)
        uniques = lazy.select(
            *(
                pl.col(c).drop_nulls().unique().implode()
                for c in ("account", "platform")
                if c in schema
            ),
            *(
                [pl.col("tags").explode().drop_nulls().unique().implode().alias("_tags")]
                if "tags" in schema
                else []
            ),
        ).collect()
        row = uniques.row(0, named=True) if uniques.width else {}
        extra: set[str] = set()
        if isinstance(tags, pl.DataFrame | pl.LazyFrame):
            extra = set(tags.lazy().select("name").drop_nulls().collect()["name"].to_list())
        elif tags is not None:
            extra = set(tags)
        fields = field_names(schema)
        props = [f for f in fields if f not in schema]
        return cls(
            tags=frozenset(row.get("_tags") or []) | extra,
            columns=tuple(c for c in schema.names() if c != "properties"),
            properties=tuple(props),
            accounts=frozenset(row.get("account") or []),
            platforms=frozenset(PLATFORMS) | frozenset(row.get("platform") or []),
        )

    def fields(self) -> list[str]:
        return list(self.columns) + [p for p in self.properties if p not in self.columns]


def validate_filter(f: Filter, known: KnownNames | pl.DataFrame | pl.LazyFrame) -> Filter:
    """The filter itself; FilterError listing every unknown name (tag, field, account, platform,
    metric), each with the nearest known one."""
    names = known if isinstance(known, KnownNames) else KnownNames.from_frame(known)
    problems: list[str] = []
    suggestions: dict[str, str] = {}

    def check(kind: str, values: Iterable[str], pool: Iterable[str]) -> None:
        pool = list(pool)
        for value in values:
            if value not in pool:
                problems.append(unknown_message(kind, value, pool))
                guess = nearest(value, pool)
                if guess is not None:
                    suggestions[value] = guess

    check("tag", [*f.tags_any, *f.tags_all, *f.tags_none], names.tags)
    check("field", [_bare(c.field) for c in f.conditions], names.fields())
    if names.accounts:
        check("account", f.accounts, names.accounts)
    check("platform", f.platforms, names.platforms)
    check("metric", f.metrics, names.metrics)
    if problems:
        raise FilterError(problems, suggestions)
    return f


def _bare(name: str) -> str:
    for prefix in ("properties.", "property."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# --- completion --------------------------------------------------------------------------------

VALUE_KEYS: Final = {
    "tag": "tags",
    "tags-any": "tags",
    "tags-all": "tags",
    "tags-none": "tags",
    "account": "accounts",
    "platform": "platforms",
    "metric": "metrics",
}


def complete(text: str, known: KnownNames, limit: int = 12) -> list[str]:
    """Completions for the last, unfinished term of `text` (what the filter bar offers).

    Each completion replaces that term: `tag:PER` gives `tag:PERFORMANCE`, `pl` gives
    `platform:` and `plan=`, `score:` gives the bands of every metric. Matching is by prefix,
    case-insensitive.
    """
    fragment = "" if not text or text[-1].isspace() else text.split()[-1]
    sign = "-" if fragment.startswith("-") else ""
    body = fragment[len(sign) :]
    if ":" in body:
        key, _, rest = body.partition(":")
        head, _, last = rest.rpartition(",")
        prefix = f"{sign}{key}:" + (head + "," if head else "")
        options = _value_options(key.lower(), known)
        return [prefix + quote(o) for o in _prefixed(options, last)][:limit]
    keys = [f"{k}:" for k in KEYS if not sign or k in ("tag", "tags-any")]
    fields = [] if sign else [f"{quote(n)}=" for n in known.fields()]
    return [sign + o for o in _prefixed(keys + fields, body)][:limit]


def _value_options(key: str, known: KnownNames) -> list[str]:
    if key == "score":
        return list(BAND_NAMES)
    if key == "excluded":
        return list(EXCLUDED_VALUES)
    if key == "last":
        return ["7d", "30d", "90d", "365d"]
    attribute = VALUE_KEYS.get(key)
    return sorted(getattr(known, attribute)) if attribute else []


def _prefixed(options: list[str], prefix: str) -> list[str]:
    folded = prefix.casefold()
    return [o for o in options if o.casefold().startswith(folded)]
