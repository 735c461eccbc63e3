"""A small, fixed store for the TUI tests: two accounts with responses, end users, tags,
surveys, answers, declines and NPS summaries, written through the store's own API."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from tests.analysis.frames import synthetic
from workbench.data import conform
from workbench.data.store import Store

FIXED_TIME = datetime(2025, 7, 1, 12, 0, tzinfo=UTC).timestamp()
"""Every store file gets this modification time, so 'last sync' is the same on every run."""


def responses(n: int = 600) -> pl.DataFrame:
    frame = synthetic(n, seed=5)
    return conform(
        frame.with_columns(
            pl.format("u{}", pl.int_range(0, pl.len()) % 40).alias("end_user_id"),
            pl.when(pl.col("account") == "acme")
            .then(pl.lit("wootric"))
            .otherwise(pl.lit("cxi"))
            .alias("platform"),
            pl.when(pl.int_range(0, pl.len()) % 7 == 0)
            .then(pl.lit("s1"))
            .otherwise(pl.lit("imp1"))
            .alias("survey_id"),
        ),
        "responses",
    )


def end_users() -> pl.DataFrame:
    rows = []
    for account in ("acme", "globex"):
        for i in range(40):
            rows.append(
                {
                    "account": account,
                    "platform": "wootric" if account == "acme" else "cxi",
                    "id": f"u{i}",
                    "email": f"person{i}@{account}.example",
                    "external_id": f"ext-{i:03d}",
                    "created_at": datetime(2024, 12, 1, tzinfo=UTC) + timedelta(days=i),
                    "properties": {"plan": ["Free", "Pro", "Enterprise"][i % 3]},
                }
            )
    return conform(pl.DataFrame(rows), "end_users")


def tags() -> pl.DataFrame:
    rows = [
        {
            "name": name,
            "id": str(i),
            "mode": "manual",
            "positive": p,
            "neutral": n,
            "negative": g,
            "response_count": p + n + g,
        }
        for i, (name, p, n, g) in enumerate(
            [("PRICING", 3, 10, 40), ("PERFORMANCE", 5, 8, 30), ("ONBOARDING", 9, 2, 1)]
        )
    ]
    return conform(
        pl.DataFrame(rows).with_columns(
            pl.lit("globex").alias("account"), pl.lit("cxi").alias("platform")
        ),
        "tags",
    )


def surveys() -> pl.DataFrame:
    rows = [
        {
            "account": "acme",
            "platform": "apptentive",
            "id": "s1",
            "name": "Onboarding survey",
            "active": True,
            "response_count": 86,
        },
        {
            "account": "globex",
            "platform": "cxi",
            "id": "imp1",
            "name": "Q1 import",
            "metric": "nps",
            "response_count": 514,
            "created_at": datetime(2025, 3, 1, tzinfo=UTC),
        },
    ]
    return conform(pl.DataFrame(rows), "surveys")


def survey_answers() -> pl.DataFrame:
    rows = [
        {
            "account": "acme",
            "platform": "apptentive",
            "survey_id": "s1",
            "question_id": "q1",
            "question": "How did you hear of us?",
            "question_type": "multichoice",
            "choice": choice,
            "count": count,
        }
        for choice, count in (("A friend", 40), ("Search", 25), ("An ad", 10))
    ]
    rows.append(
        {
            "account": "acme",
            "platform": "apptentive",
            "survey_id": "s1",
            "question_id": "q2",
            "question": "Anything else?",
            "question_type": "singleline",
            "choice": None,
            "count": 12,
        }
    )
    return conform(pl.DataFrame(rows), "survey_answers")


def declines() -> pl.DataFrame:
    rows = [
        {
            "account": "acme",
            "platform": "wootric",
            "id": f"d{i}",
            "end_user_id": f"u{i}",
            "survey_id": "s1",
            "created_at": datetime(2025, 2, 1, tzinfo=UTC) + timedelta(days=i),
        }
        for i in range(5)
    ]
    return conform(pl.DataFrame(rows), "declines")


def nps_summaries() -> pl.DataFrame:
    rows = [
        {
            "account": "acme",
            "platform": "wootric",
            "date_start": date(2025, 1, 1),
            "date_end": date(2025, 1, 31),
            "nps": -40,
            "responses": 50,
            "detractors": 30,
            "passives": 10,
            "promoters": 10,
        }
    ]
    return conform(pl.DataFrame(rows), "nps_summaries")


def fill_store(root: Path, n: int = 600) -> pl.DataFrame:
    """Write every table for accounts acme (wootric) and globex (cxi); returns the responses."""
    store = Store(root)
    frames = {
        "responses": responses(n),
        "end_users": end_users(),
        "tags": tags(),
        "surveys": surveys(),
        "survey_answers": survey_answers(),
        "declines": declines(),
        "nps_summaries": nps_summaries(),
    }
    for account, platform in (("acme", "wootric"), ("globex", "cxi")):
        target = store.account(account)
        target.ensure_meta(platform)
        for name, frame in frames.items():
            rows = frame.filter(pl.col("account") == account)
            if rows.height:
                target.replace(name, rows)
    for path in root.rglob("*"):
        os.utime(path, (FIXED_TIME, FIXED_TIME))
    return frames["responses"]
