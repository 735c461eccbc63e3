"""Crowdskout profiles are read from the ids the account gives (ranges, a CSV exported from
Crowdskout), the id walk only when asked for, and the summary says plainly when none was found
and how to give the ids. Through the real client against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.test_sync import sandbox_settings, stored_ids
from workbench.data.sync import sync
from workbench.demo import browser_login
from workbench.settings import Settings, SettingsError, settings_from
from workbench.sources.connect import token_cache


async def crm_settings(served, store_dir: Path, **fields: object) -> Settings:
    """acme-crm pointed at the sandbox, with `fields` in place of the demo's id source."""
    settings = sandbox_settings(served, store_dir, "acme-crm")
    account = settings.account("acme-crm")
    token = await browser_login("acme-crm", account)  # type: ignore[arg-type]
    token_cache(store_dir).store("acme-crm", token.cached())
    chosen = {"profile_walk_from": None, **fields}
    accounts = {"acme-crm": account.model_copy(update=chosen)}
    return settings.model_copy(update={"accounts": accounts})


def sandbox_ids(served) -> list[int]:
    organization = int(next(iter(served.sandbox.crowdskout.ground_truth())))
    return sorted(int(i) for i in served.sandbox.crowdskout.ids(organization, "profiles"))


def notes(summary) -> list[str]:
    return [n for t in summary.accounts[0].tables for n in t.notes]


async def test_given_ranges_are_read_and_ids_not_found_are_counted(served, tmp_path) -> None:
    known = sandbox_ids(served)
    last = known[29]
    settings = await crm_settings(served, tmp_path, profile_ids=f"1-{last}, {known[-1] + 5}")
    summary = await sync(settings)
    assert summary.ok, summary
    assert stored_ids(tmp_path, "acme-crm", "end_users") == sorted(str(i) for i in known[:30])
    asked = last + 1  # 1..last, and one id past the organization's
    said = f"{asked - 30:,} of the {asked:,} profile ids in profile_ids were not found"
    assert said in " ".join(notes(summary))


async def test_a_csv_exported_from_crowdskout_gives_the_ids(served, tmp_path) -> None:
    known = sandbox_ids(served)
    chosen = known[5:17]
    export = tmp_path / "profiles.csv"
    export.write_text(
        "Crowdskout ID,First Name\n" + "".join(f"{i},Someone\n" for i in chosen), encoding="utf-8"
    )
    settings = await crm_settings(served, tmp_path / "store", profile_ids_file=export)
    summary = await sync(settings)
    assert summary.ok, summary
    assert stored_ids(tmp_path / "store", "acme-crm", "end_users") == sorted(str(i) for i in chosen)


async def test_no_ids_and_no_walk_reads_nothing_and_says_how_to_give_them(served, tmp_path):
    summary = await sync(await crm_settings(served, tmp_path))
    assert summary.ok, summary
    said = " ".join(notes(summary))
    assert "no profiles read" in said
    assert "accounts.acme-crm.profile_ids" in said
    assert "profile_walk_from" in said


async def test_a_walk_that_finds_nothing_says_so(served, tmp_path) -> None:
    start = sandbox_ids(served)[-1] + 1_000
    summary = await sync(await crm_settings(served, tmp_path, profile_walk_from=start))
    assert summary.ok, summary
    assert f"no profile found by a walk from id {start}" in " ".join(notes(summary))


async def test_an_unreadable_id_file_fails_the_table_in_one_line(served, tmp_path) -> None:
    bad = tmp_path / "ids.txt"
    bad.write_text("12\n1x3\n", encoding="utf-8")
    summary = await sync(await crm_settings(served, tmp_path / "store", profile_ids_file=bad))
    table = next(t for t in summary.accounts[0].tables if t.table == "end_users")
    assert table.error == f"{bad} line 2: '1x3' is not a profile id"
    missing = await crm_settings(served, tmp_path / "s2", profile_ids_file=tmp_path / "nope.csv")
    table = next(t for t in (await sync(missing)).accounts[0].tables if t.table == "end_users")
    assert table.error is not None
    assert "cannot read the profile ids file" in table.error
    assert "\n" not in table.error


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("1-5000, 70o1", "'70o1' is not an id or a range"),
        ("50-10", "'50-10': a range runs from a low id"),
        (" , ", "no profile ids given"),
    ],
)
def test_a_mistyped_id_range_is_one_clear_line_when_the_settings_are_read(
    tmp_path, written, said
) -> None:
    crm = {
        "platform": "crowdskout",
        "client_id": "c",
        "client_secret": "s",
        "redirect_uri": "http://127.0.0.1:9/callback",
        "profile_ids": written,
    }
    with pytest.raises(SettingsError) as caught:
        settings_from({"store_dir": str(tmp_path), "accounts": {"crm": crm}})
    assert said in str(caught.value)
    assert "\n" not in str(caught.value)
