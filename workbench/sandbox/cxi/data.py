"""The CXI sandbox's data: each account's tags, projects, imports, exports and responses.

Responses are kept columnar, one polars DataFrame per account sorted by (feedback_date, id), so
that a dataset of a quarter of a million rows builds in well under a second, a page of
`/v1/responses` is a slice, and JSON dicts are built only for the rows being answered (in
`cxi/answers.py`). Tags, projects and imports are few, so they are plain dataclasses.

Everything that changes rows (uploads, import updates, text-match tags, deletes) lives here as a
method of `CxiAccountData`; each one is O(rows) at worst, which the real API's background jobs
would be too. The HTTP layer holds the lock; nothing here is thread safe on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.accounts import WootricAccount
from workbench.sandbox.cxi.catalog import (
    ACME_IMPORTS,
    ACME_PROJECTS,
    EXTRA_ACME_TAGS,
    METRIC_SCALES,
    SORT_KEYS,
    CxiExport,
    CxiImport,
    CxiProject,
    CxiTag,
    IdSequences,
    Onboarding,
    empty_responses,
)
from workbench.sandbox.cxi.generate import (
    GenerationPlan,
    add_tag_where,
    generate_responses,
    matches_filter_rules,
    matches_terms,
    mention_sentiment_expr,
    remove_tag,
)

# --- one account --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagStats:
    response_count: int
    positive: int
    neutral: int
    negative: int
    unknown: int  # responses without a sentiment ("null" in sentiment_breakdown)


class CxiAccountData:
    """Everything one CXI account holds; the HTTP layer turns it into JSON."""

    def __init__(self, account: WootricAccount, wootric_account_id: int) -> None:
        self.account = account
        self.wootric_account_id = wootric_account_id
        self.onboarding = Onboarding(onboarded=account.onboarded)
        self.tags: dict[int, CxiTag] = {}
        self.projects: dict[int, CxiProject] = {}
        self.imports: dict[int, CxiImport] = {}
        self.exports: list[CxiExport] = []
        self.responses = empty_responses()
        self.version = 0
        self._cache: dict[str, tuple[int, Any]] = {}

    # -- reading -------------------------------------------------------------------------------

    def _cached(self, key: str, compute: Any) -> Any:
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        value = compute()
        self._cache[key] = (self.version, value)
        return value

    def changed(self) -> None:
        self.version += 1

    def count_by_import(self) -> dict[int, int]:
        def compute() -> dict[int, int]:
            counts = self.responses.group_by("import_id").len()
            return dict(zip(counts["import_id"].to_list(), counts["len"].to_list(), strict=True))

        return dict(self._cached("by_import", compute))

    def count_by_project(self) -> dict[int, int]:
        def compute() -> dict[int, int]:
            counts = (
                self.responses.select("project_ids")
                .explode("project_ids")
                .drop_nulls()
                .group_by("project_ids")
                .len()
            )
            return dict(zip(counts["project_ids"].to_list(), counts["len"].to_list(), strict=True))

        return dict(self._cached("by_project", compute))

    def tag_stats(self) -> dict[int, TagStats]:
        """Counts per tag; a parent counts each response tagged with it or any of its children once.

        The sentiment breakdown counts mentions (`mention_sentiment`), so it is exactly the
        distribution of the `sentiment` shown on the tag in each response.

        The docs show per-tag counts but not how parents add up; rolling children up is what a
        hierarchy is for (a parent without direct responses would otherwise always read 0).
        """
        return dict(self._cached("tag_stats", self._compute_tag_stats))

    def _compute_tag_stats(self) -> dict[int, TagStats]:
        tagged = (
            self.responses.select("tag_ids", "sentiment", row=pl.int_range(pl.len()))
            .explode("tag_ids")
            .drop_nulls("tag_ids")
            .rename({"tag_ids": "tag"})
        )
        parents = {t.id: t.parent_id for t in self.tags.values() if t.parent_id is not None}
        if parents:
            links = pl.DataFrame(
                {"tag": list(parents), "parent": list(parents.values())},
                schema={"tag": pl.Int64, "parent": pl.Int64},
            )
            rolled = tagged.join(links, on="tag").select("row", "sentiment", tag="parent")
            tagged = pl.concat([tagged, rolled.select(tagged.columns)]).unique(["row", "tag"])
        leanings = pl.DataFrame(
            {"tag": list(self.tags), "leaning": [t.sentiment for t in self.tags.values()]},
            schema={"tag": pl.Int64, "leaning": pl.String},
        )
        mentions = tagged.join(leanings, on="tag", how="left").with_columns(
            mention=mention_sentiment_expr(pl.col("leaning"), pl.col("sentiment"))
        )
        grouped = mentions.group_by("tag").agg(
            count=pl.len(),
            positive=(pl.col("mention") == "positive").sum(),
            neutral=(pl.col("mention") == "neutral").sum(),
            negative=(pl.col("mention") == "negative").sum(),
            unknown=pl.col("mention").is_null().sum(),
        )
        return {
            row["tag"]: TagStats(
                row["count"], row["positive"], row["neutral"], row["negative"], row["unknown"]
            )
            for row in grouped.iter_rows(named=True)
        }

    def response_ids_with_tag(self, tag_id: int) -> list[int]:
        hits = self.responses.filter(pl.col("tag_ids").list.contains(tag_id))
        return sorted(hits["id"].to_list())

    def import_responses(self, import_id: int) -> pl.DataFrame:
        return self.responses.filter(pl.col("import_id") == import_id).sort("id")

    def metric_of_import(self) -> dict[int, str | None]:
        return {i.id: i.metric_type for i in self.imports.values()}

    def tag_by_name(self, name: str) -> CxiTag | None:
        wanted = name.strip().upper()
        return next((t for t in self.tags.values() if t.name == wanted), None)

    # -- writing -------------------------------------------------------------------------------

    def add_responses(self, rows: pl.DataFrame) -> None:
        self.responses = pl.concat([self.responses, rows]).sort(SORT_KEYS)
        self.changed()

    def update_rows(self, mask: pl.Expr, *changes: pl.Expr) -> None:
        """Apply column expressions to the rows where `mask` holds (all rows keep their order)."""
        self.responses = self.responses.with_columns(
            pl.when(mask).then(change).otherwise(pl.col(change.meta.output_name()))
            for change in changes
        )
        self.changed()

    def delete_import(self, import_id: int) -> None:
        del self.imports[import_id]
        self.responses = self.responses.filter(pl.col("import_id") != import_id)
        self.changed()

    def apply_text_match(self, tag: CxiTag, within: pl.Expr | None = None) -> None:
        """Tag every response (or those `within`) whose feedback has a term and meets the rules."""
        if tag.mode != "text_match" or not tag.enabled:
            return
        mask = matches_terms(tag.text_match_terms) & matches_filter_rules(
            tag.filter_rules, self.metric_of_import()
        )
        if within is not None:
            mask &= within
        self.responses = self.responses.with_columns(add_tag_where(mask, tag.id))
        self.changed()

    def untag_everywhere(self, tag_id: int) -> None:
        self.responses = self.responses.with_columns(remove_tag(tag_id))
        self.changed()

    def label_import(
        self, import_id: int, tag_ids: Iterable[int], project_ids: Iterable[int]
    ) -> None:
        """Add tags and projects to every response of an import (PUT /v1/imports/<id>)."""
        in_import = pl.col("import_id") == import_id
        columns: list[pl.Expr] = [add_tag_where(in_import, t) for t in tag_ids]
        for column in columns:
            self.responses = self.responses.with_columns(column)
        wanted = sorted(set(project_ids))
        if wanted:
            self.responses = self.responses.with_columns(
                pl.when(in_import)
                .then(
                    pl.concat_list(
                        [pl.col("project_ids"), pl.lit(wanted, dtype=pl.List(pl.Int64))]
                    ).list.unique(maintain_order=True)
                )
                .otherwise(pl.col("project_ids"))
                .alias("project_ids")
            )
        self.changed()

    def analyze_import(self, imported: CxiImport) -> None:
        """What the background job does to an upload: smart tags, text-match tags, sentiment.

        Sentiment comes from the smart tags a comment matched (more positive than negative tags
        reads positive, and so on); a comment that matched none leans on its score (NPS bands,
        or the same bands rescaled), and a row without feedback has no sentiment, as generated
        rows do.
        """
        in_import = pl.col("import_id") == imported.id
        smart = [t for t in self.tags.values() if t.mode == "smart" and t.enabled and t.smart_terms]
        for tag in smart:
            self.responses = self.responses.with_columns(
                add_tag_where(in_import & matches_terms(tag.smart_terms), tag.id)
            )
        for tag in self.tags.values():
            if tag.mode == "text_match":
                self.apply_text_match(tag, within=in_import)
        positive = [t.id for t in smart if t.sentiment == "positive"]
        negative = [t.id for t in smart if t.sentiment == "negative"]
        leaning = (
            pl.col("tag_ids").list.eval(pl.element().is_in(positive).cast(pl.Int64)).list.sum()
            - pl.col("tag_ids").list.eval(pl.element().is_in(negative).cast(pl.Int64)).list.sum()
        )
        low, high = METRIC_SCALES.get(imported.metric_type or "nps", (0, 10))
        promoter = vocab.rescale(9, low, high)
        detractor = vocab.rescale(6, low, high)
        by_score = (
            pl.when(pl.col("score") >= promoter)
            .then(pl.lit("positive"))
            .when(pl.col("score") <= detractor)
            .then(pl.lit("negative"))
            .otherwise(pl.lit("neutral"))
        )
        sentiment = (
            pl.when(pl.col("feedback").is_null())
            .then(None)
            .when(leaning > 0)
            .then(pl.lit("positive"))
            .when(leaning < 0)
            .then(pl.lit("negative"))
            .otherwise(by_score)
            .alias("sentiment")
        )
        self.update_rows(in_import, sentiment)


# --- seeding ------------------------------------------------------------------------------------

DAY = 86_400
DATA_SPAN = 730 * DAY
"""Generated feedback spans the two years before `SandboxConfig.end`, like the NPS data."""


def add_smart_tags(
    data: CxiAccountData, specs: Iterable[vocab.TagSpec], ids: IdSequences
) -> list[int]:
    """Smart tags for `specs` (reusing any the account has by name), parents before children."""
    added: list[int] = []
    for spec in specs:
        existing = data.tag_by_name(spec.name)
        if existing is not None:
            added.append(existing.id)
            continue
        parent = data.tag_by_name(spec.parent) if spec.parent else None
        tag = CxiTag(
            id=ids.take("tags"),
            name=spec.name,
            mode="smart",
            parent_id=parent.id if parent else None,
            sentiment=spec.sentiment,
            smart_terms=spec.terms,
        )
        data.tags[tag.id] = tag
        added.append(tag.id)
    return added


def seed_demo_account(
    data: CxiAccountData, rng: np.random.Generator, total: int, end: int, ids: IdSequences
) -> None:
    """The onboarded demo account: tags of every mode, three projects, eight imports."""
    add_smart_tags(data, vocab.TAGS, ids)
    for name, mode, enabled, parent_name, terms in EXTRA_ACME_TAGS:
        parent = data.tag_by_name(parent_name) if parent_name else None
        tag = CxiTag(
            id=ids.take("tags"),
            name=name,
            mode=mode,
            enabled=enabled,
            parent_id=parent.id if parent else None,
            scope_by_parent=None if mode == "smart" else False,
            text_match_terms=list(terms) if mode == "text_match" else [],
            sentiment="neutral" if mode == "smart" else None,
            smart_terms=terms if mode == "smart" else (),
        )
        data.tags[tag.id] = tag
    start = end - DATA_SPAN
    for offset, name in enumerate(ACME_PROJECTS):
        project = CxiProject(
            ids.take("projects"), name, start - (len(ACME_PROJECTS) - offset) * DAY
        )
        data.projects[project.id] = project
    project_ids = {p.name: p.id for p in data.projects.values()}
    tag_ids = {t.name: t.id for t in data.tags.values() if t.mode == "smart" and t.enabled}
    follow_up = data.tag_by_name("FOLLOW_UP")
    counts = [int(spec.share * total) for spec in ACME_IMPORTS]
    counts[0] += total - sum(counts)
    step = (DATA_SPAN - 3 * DAY) // len(ACME_IMPORTS)
    frames = []
    for index, (spec, count) in enumerate(zip(ACME_IMPORTS, counts, strict=True)):
        window_end = start + (index + 1) * step
        window = (max(start, window_end - step - step // 4), window_end)
        created_at = window_end + int(rng.integers(3_600, 3 * DAY))
        imported = CxiImport(
            id=ids.take("imports"),
            name=spec.name,
            source=spec.source,
            metric_type=spec.metric_type,
            language="en",
            created_at=created_at,
            analyzed_at=created_at,
        )
        data.imports[imported.id] = imported
        plan = GenerationPlan(
            import_id=imported.id,
            first_response_id=ids.take("responses", count),
            count=count,
            metric_type=spec.metric_type,
            properties=spec.properties,
            window=window,
            day_dates=spec.day_dates,
            project_ids=(project_ids[spec.project],) if spec.project else (),
        )
        frames.append(generate_responses(rng, plan, tag_ids, follow_up.id if follow_up else None))
    data.add_responses(pl.concat(frames))
    for tag in list(data.tags.values()):
        data.apply_text_match(tag)
