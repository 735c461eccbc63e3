"""Reading canonical tables across accounts, as every face does before it analyses anything."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.data.schema import conform, empty, table
from workbench.data.store import Store, StoreError


def load_table(store: Store, name: str, accounts: Sequence[str] | None = None) -> pl.DataFrame:
    """One canonical table for the given accounts (all stored accounts by default).

    Each account's rows are conformed to the schema, so a table written by an older normaliser
    still reads with today's columns; accounts with different property names concatenate into
    one properties struct with the union of their fields.
    """
    spec = table(name)
    chosen = list(accounts) if accounts is not None else store.accounts()
    known = set(store.accounts())
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise StoreError(
            f"nothing is stored for {', '.join(map(repr, unknown))}; run `workbench sync "
            f"{' '.join(unknown)}` first"
        )
    frames = []
    for account in chosen:
        frame = store.account(account).read(spec.name)
        if not frame.is_empty():
            frames.append(conform(frame, spec, extra="drop"))
    if not frames:
        return empty(spec)
    return pl.concat(frames, how="diagonal_relaxed")
