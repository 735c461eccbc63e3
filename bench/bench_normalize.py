"""The normalizers alone, on ~200,000 generated rows a table shaped as the sandbox sends them.

The Wootric walked tables, and the responses of CXI (one import, its metric known) and of
Crowdskout (profiles with their survey answers), each as that tree's sync reads them: where the
tree's client has no raw-row read (`response_row_batches`, `iter_profile_rows`), its sync
validated each row as a model and dumped it back before normalizing, and so does the bench.

The baseline is another checkout of the package (`--base`, e.g. a `git worktree add /tmp/nbase
<commit>`), run in its own process beside this one, alternately, so that the load of a shared
machine falls on both. Printed per table and round: rows/s of each side, and the ratio.

    python bench/bench_normalize.py [--rows 200000] [--rounds 3] --base /tmp/nbase
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("responses", "declines", "end_users", "cxi_responses", "crowdskout_responses")
FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%z", "iso")
"""The sandbox's four time styles (`sandbox/wootric/store.TIME_FORMATS`)."""


def stamp(moment: datetime, style: str) -> str:
    if style == "iso":
        return moment.isoformat(timespec="milliseconds")
    text = moment.strftime(style)
    if style == "%Y-%m-%d %H:%M:%S%z":  # "-08:00", as the sandbox's compact style
        text = text[:-2] + ":" + text[-2:]
    return text


def rows(table: str, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Rows of one table as the Wootric client hands them over (the API's JSON)."""
    rng = random.Random(seed)
    zone = datetime.now(UTC).astimezone().tzinfo or UTC
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made: list[dict[str, Any]] = []
    for n in range(count):
        created = (start + timedelta(seconds=n * 37)).astimezone(zone)
        style = FORMATS[n % len(FORMATS)]
        properties = {"plan": rng.choice(["Lite", "Pro"]), "seats": rng.randint(1, 500)}
        common = {
            "id": 10_000_000 + n,
            "created_at": stamp(created, style),
            "updated_at": stamp(created + timedelta(hours=1), style),
        }
        if table == "end_users":
            made.append(
                {
                    **common,
                    "email": f"user{n}@example.com",
                    "external_id": f"ext-{n}",
                    "phone_number": None,
                    "last_surveyed": stamp(created, style),
                    "last_seen_at": None,
                    "page_views_count": rng.randint(0, 90),
                    "properties": properties,
                }
            )
            continue
        row = {
            **common,
            "end_user_id": 20_000_000 + n,
            "survey_id": 30 + n % 5,
            "origin_url": "https://example.com/app",
            "end_user": {"id": 20_000_000 + n, "properties": properties},
        }
        if table == "responses":
            row |= {
                "score": rng.randint(0, 10),
                "text": rng.choice(["great", "slow", None]),
                "tags": rng.sample(["price", "speed", "support"], rng.randint(0, 2)),
                "excluded_from_calculations": n % 97 == 0,
            }
        made.append(row)
    return made


def cxi_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """CXI responses of one import as `GET /v1/imports/{id}` lists them."""
    rng = random.Random(seed)
    return [
        {
            "id": 40_000_000 + n,
            "feedback": rng.choice(["great", "slow", "fine"]),
            "feedback_date": 1_700_000_000 + n * 37,
            "user_id": f"u{n}",
            "metric_type": "nps",
            "score": rng.randint(0, 10),
            "sentiment": rng.choice(["positive", "neutral", None]),
            "tags": [{"id": 1, "name": "price"}] if n % 3 else [],
            "custom_properties": [{"key": "plan", "data_type": "string", "value": "Pro"}],
        }
        for n in range(count)
    ]


def crowdskout_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Profiles (`GET /v1/profile/{id}` data) with five survey answers each."""
    rng = random.Random(seed)
    profiles = []
    for n in range(count // 5):
        answers = [
            {
                "id": 50_000_000 + n * 5 + k,
                "SurveyName": "NPS",
                "SurveyScore": rng.randint(0, 10),
                "SurveyAnswer": "ok",
                "SurveyWhen": "2025-04-01T20:00:11Z",
            }
            for k in range(5)
        ]
        profiles.append(
            {
                "id": 60_000_000 + n,
                "Names": [{"id": n, "FirstName": "Ana", "LastName": "Silva"}],
                "EmailAddresses": [{"id": n, "EmailAddress": f"p{n}@example.com"}],
                "SurveyResponses": answers,
            }
        )
    return profiles


def as_the_sync_reads(table: str, given: list[dict[str, Any]]) -> list[Any]:
    """The rows the tree's sync hands its normalizer: dumped models where it had no raw read."""
    if table == "cxi_responses":
        from workbench.sources.cxi_reads import CxiReader
        from workbench.sources.models.cxi import Response

        if hasattr(CxiReader, "response_row_batches"):
            return given
        return [Response.model_validate(r).model_dump(mode="json") for r in given]
    from workbench.sources.crowdskout import CrowdskoutClient
    from workbench.sources.models.crowdskout import Profile

    if hasattr(CrowdskoutClient, "iter_profile_rows"):
        return given
    dumped = (Profile.model_validate(r).model_dump(mode="json", by_alias=True) for r in given)
    return list(dumped)


def measure(count: int) -> dict[str, float]:
    """rows/s of each table's normalizer in this process (its `workbench` on sys.path); for
    CXI and Crowdskout the model round trip of the tree's sync, where it has one, counts."""
    from workbench.data import normalize
    from workbench.data.normalize.crowdskout import crowdskout_responses
    from workbench.data.normalize.cxi import cxi_responses

    found: dict[str, float] = {}
    for table in TABLES:
        if table == "cxi_responses":
            given: list[Any] = cxi_rows(count)

            def read(rows: list[Any], account: str) -> Any:
                return cxi_responses(rows, account, import_id="7", metric_type="nps")
        elif table == "crowdskout_responses":
            given = crowdskout_rows(count)
            read = crowdskout_responses
        else:
            given = rows(table, count)
            read = getattr(normalize, f"wootric_{table}")
        began = time.perf_counter()
        if table in ("cxi_responses", "crowdskout_responses"):
            given = as_the_sync_reads(table, given)
        result = read(given, "acme")
        took = time.perf_counter() - began
        assert result.frame.height == count, table
        assert not result.rejected, (table, result.rejected[:3])
        found[table] = count / took
    return found


def child(path: str, count: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": path}
    answer = subprocess.run(
        [sys.executable, __file__, "--child", "--rows", str(count)],
        env=env,
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", help="a checkout of the baseline (its root directory)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rows)))
        return
    if not args.base:
        parser.error("--base is required: a checkout of the baseline, e.g. /tmp/nbase")
    print(f"{args.rows:,} rows per table; base {args.base}, new {ROOT}; machine shared")
    for round_ in range(1, args.rounds + 1):
        base = child(args.base, args.rows)
        new = child(str(ROOT), args.rows)
        for table in TABLES:
            print(
                f"round {round_} {table:20}: base {base[table]:>9,.0f} rows/s  "
                f"new {new[table]:>9,.0f} rows/s  ratio {new[table] / base[table]:.2f}x"
            )


if __name__ == "__main__":
    main()
