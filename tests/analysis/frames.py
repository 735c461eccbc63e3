"""Responses frames made by hand in the canonical schema, for the analysis tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from workbench.data import conform

START = datetime(2025, 1, 1, tzinfo=UTC)


def responses(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """A responses frame from row dicts; missing columns are nulls (conform fills defaults)."""
    frame = pl.DataFrame(list(rows), infer_schema_length=None)
    return conform(frame, "responses")


def scores_frame(scores: Sequence[int], **columns: Sequence[Any]) -> pl.DataFrame:
    """NPS responses with the given scores, one a day from START, plus any extra columns."""
    n = len(scores)
    data: dict[str, Any] = {
        "account": ["acme"] * n,
        "platform": ["wootric"] * n,
        "id": [str(i) for i in range(n)],
        "metric": ["nps"] * n,
        "score": list(scores),
        "created_at": [START + timedelta(days=i) for i in range(n)],
    }
    data.update({k: list(v) for k, v in columns.items()})
    return conform(pl.DataFrame(data, strict=False), "responses")


def synthetic(n: int = 3_000, seed: int = 5) -> pl.DataFrame:
    """A mixed frame: two accounts, tags, comments, properties, some excluded, some CSAT."""
    rng = np.random.default_rng(seed)
    tag_names = np.array(["PERFORMANCE", "PRICING", "UX_UI", "SUPPORT"])
    tags = [tag_names[rng.random(4) < 0.25].tolist() for _ in range(n)]
    metric = np.where(rng.random(n) < 0.9, "nps", "csat")
    score = np.where(metric == "nps", rng.integers(0, 11, n), rng.integers(1, 6, n))
    frame = pl.DataFrame(
        {
            "account": rng.choice(["acme", "globex"], n),
            "platform": rng.choice(["wootric", "cxi"], n),
            "id": [f"r{i}" for i in range(n)],
            "metric": metric,
            "score": score,
            "text": rng.choice(
                ["Slow dashboard", "great, fast", None, "price too high"], n
            ).tolist(),
            "created_at": [
                START + timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 180, n)
            ],
            "tags": tags,
            "excluded_from_calculations": rng.random(n) < 0.05,
            "properties": [
                {"plan": str(p), "revenue": int(r), "country": str(c)}
                for p, r, c in zip(
                    rng.choice(["Enterprise", "Pro", "Free"], n),
                    rng.integers(0, 20_000, n),
                    rng.choice(["US", "UK", "FR", "DE"], n),
                    strict=True,
                )
            ],
        }
    )
    return conform(frame, "responses")
