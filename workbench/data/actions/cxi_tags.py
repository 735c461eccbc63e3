"""CXI tags: create (manual or text-match, with its terms), edit, disable, delete, and apply tags
to an import.

Each is one call, read back with `GET /v1/tags` (or the import). The store follows: a created or
edited tag is written to `tags` from the API's answer (a tag done by an earlier, killed run is
read by the next sync); a deleted one leaves `tags` through a tombstone. Disabling sends
`tag[enabled]=false`: the docs show `enabled` on the tag object and `exclude_disabled` on the
list, but no parameter to set it, so the read-back decides whether the API took it. The `tags`
table has no enabled column: a disabled tag stays in it. Tags applied to an import reach its
responses; the next `workbench sync` reads them (their tags are CXI's to compute).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict, Unpack

import polars as pl

from workbench.data.actions.cxi import PLATFORM, all_tags, cxi_client, cxi_plan
from workbench.data.actions.follow import chain, remove_rows
from workbench.data.actions.plan import Call, Follow, Plan, row_call
from workbench.data.actions.planning import (
    NothingToDo,
    PlanRefused,
    check_account,
    live,
)
from workbench.data.normalize import cxi as normalize
from workbench.data.store import AccountStore
from workbench.settings import Settings
from workbench.sources.errors import InvalidRequest
from workbench.sources.forms import check_keywords, typed_keys
from workbench.sources.models.cxi import Tag


def _write_tag(account: str, answered: dict[str, Any], parent: str | None) -> Follow:
    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        tag = answered.get("tag")
        if tag is None:
            return  # done by an earlier run: the next sync reads it
        row = tag.model_dump(mode="json")
        frame = normalize.cxi_tags([row], account).frame
        if parent is not None and "parent" in frame.columns:
            frame = frame.with_columns(pl.lit(parent).alias("parent"))
        store.append("tags", frame)

    return follow


def create_tag_plan(
    account: str,
    name: str,
    *,
    parent: Tag | None = None,
    text_match: Sequence[str] = (),
    description: str | None = None,
) -> Plan:
    """A new tag; with `text_match` terms a text-match tag (CXI tags matching responses)."""
    if not name.strip():
        raise ValueError("a tag needs a name")
    upper = name.strip().upper()
    mode: Literal["manual", "text_match"] = "text_match" if text_match else "manual"
    answered: dict[str, Any] = {}

    async def send(client: Any) -> None:
        answered["tag"] = await cxi_client(client).create_tag(
            name.strip(),
            mode=mode,
            description=description,
            parent_id=parent.id if parent else None,
            text_match_terms=list(text_match) or None,
        )

    async def check(client: Any) -> bool | None:
        return any(
            t.name.upper() == upper
            and t.mode == mode
            and sorted(t.text_match_terms) == sorted(text_match)
            for t in await all_tags(client)
        )

    change = f"mode {mode}"
    if text_match:
        change += f", terms {', '.join(text_match)}"
    if parent:
        change += f", under {parent.name}"
    summary = f"Create the tag {upper} (undo: `workbench tag delete {account} {upper}`)"
    call = row_call("tag", upper, "POST", "/v1/tags", change, send, check)
    params = {
        "name": upper,
        "mode": mode,
        "terms": list(text_match),
        "parent": str(parent and parent.id),
    }
    follow = _write_tag(account, answered, parent.name if parent else None)
    return cxi_plan("tag create", account, "tags", summary, call, params=params, follow=follow)


def edit_tag_plan(
    account: str,
    tag: Tag,
    changes: Mapping[str, Any],
    *,
    parent_name: str | None = None,
) -> Plan:
    """Change a tag's name, description, parent or text-match terms (the whole list)."""
    wanted = {k: v for k, v in changes.items() if v is not None}
    if not wanted:
        raise ValueError("nothing to change: give --name, --description, --parent or --text-match")
    answered: dict[str, Any] = {}

    async def send(client: Any) -> None:
        answered["tag"] = await cxi_client(client).update_tag(tag.id, **wanted)

    async def check(client: Any) -> bool | None:
        now = next((t for t in await all_tags(client) if t.id == tag.id), None)
        if now is None:
            return False
        for key, value in wanted.items():
            have = getattr(now, key, None)
            if key == "name":
                have, value = (have or "").upper(), str(value).upper()
            elif key == "parent_id":
                have, value = str(have), str(value)
            elif key == "text_match_terms":
                have, value = list(have or []), list(value)
            if have != value:
                return False
        return True

    shown = ", ".join(f"{k} → {v}" for k, v in wanted.items())
    call = row_call("tag", tag.id, "PUT", f"/v1/tags/{tag.id}", shown, send, check)
    params = {"tag": tag.id, **{k: str(v) for k, v in wanted.items()}}
    follow = _write_tag(account, answered, parent_name)
    return cxi_plan(
        "tag edit",
        account,
        "tags",
        f"Change the tag {tag.name}",
        call,
        params=params,
        follow=follow,
    )


def disable_tag_plan(account: str, tag: Tag, *, enabled: bool = False) -> Plan:
    """Disable a tag (or enable it again): `tag[enabled]`, read back from the tag list."""
    word = "enable" if enabled else "disable"

    async def send(client: Any) -> None:
        _, body = await cxi_client(client).http.request(
            "PUT", f"v1/tags/{tag.id}", data={"tag[enabled]": "true" if enabled else "false"}
        )
        if isinstance(body, dict) and body.get("enabled") is not enabled:
            raise InvalidRequest(
                f"PUT /v1/tags/{tag.id} did not change enabled (the API documents no parameter "
                f"for it); {word} {tag.name} in the Wootric app",
                account=cxi_client(client).http.account,
            )

    async def check(client: Any) -> bool | None:
        now = next((t for t in await all_tags(client) if t.id == tag.id), None)
        return now is not None and now.enabled is enabled

    change = f"enabled → {'true' if enabled else 'false'}"
    summary = (
        f"{word.capitalize()} the tag {tag.name} (the tags table keeps it either way; "
        f"undo: `workbench tag {'disable' if enabled else 'enable'} {account} {tag.name}`)"
    )
    call = row_call("tag", tag.id, "PUT", f"/v1/tags/{tag.id}", change, send, check)
    params = {"tag": tag.id, "enabled": enabled}
    return cxi_plan(f"tag {word}", account, "tags", summary, call, params=params)


def delete_tag_plan(account: str, tag: Tag) -> Plan:
    """Delete a tag: it leaves every response (cannot be undone)."""

    async def send(client: Any) -> None:
        await cxi_client(client).delete_tag(tag.id)

    async def check(client: Any) -> bool | None:
        return all(t.id != tag.id for t in await all_tags(client))

    summary = f"Delete the tag {tag.name} ({tag.response_count or 0:,} responses carry it)"
    call = row_call("tag", tag.id, "DELETE", f"/v1/tags/{tag.id}", "deleted", send, check)
    follow = chain(remove_rows("tags"), _orphans(tag.name))
    return cxi_plan(
        "tag delete",
        account,
        "tags",
        summary,
        call,
        params={"tag": tag.id},
        destructive=True,
        follow=follow,
    )


def _orphans(name: str) -> Follow:
    """A deleted parent's children become top-level tags (as CXI makes them)."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        frame = store.scan("tags")
        if frame is None:
            return
        children = frame.filter(pl.col("parent") == name).collect()
        if not children.is_empty():
            store.append("tags", children.with_columns(pl.lit(None, pl.String).alias("parent")))

    return follow


def _tagged(import_id: str, names: Sequence[str]) -> Follow:
    """The import's responses in the store carry the applied tags too."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        frame = store.scan("responses")
        if frame is None:
            return
        rows = frame.filter(pl.col("survey_id") == import_id).collect()
        if rows.is_empty():
            return
        added = pl.concat_list(
            pl.col("tags").fill_null([]), pl.lit(list(names), pl.List(pl.String))
        )
        store.append(
            "responses", rows.with_columns(added.list.unique(maintain_order=True).alias("tags"))
        )

    return follow


def apply_tags_plan(account: str, import_id: str, tag_names: Sequence[str]) -> Plan:
    """Apply existing tags to every response of an import (`import[tag_names]`)."""
    names = [n.strip().upper() for n in tag_names if n.strip()]
    if not names:
        raise ValueError("name at least one tag to apply")

    async def send(client: Any) -> None:
        await cxi_client(client).update_import(import_id, tag_names=names)

    async def check(client: Any) -> bool | None:
        detail = await cxi_client(client).get_import(import_id)
        for response in detail.responses:
            carried = {str(getattr(t, "name", t)).upper() for t in response.tags}
            if not set(names) <= carried:
                return False
        return True

    path, shown = f"/v1/imports/{import_id}", ", ".join(names)
    summary = (
        f"Apply {', '.join(names)} to every response of import {import_id} "
        "(the store's responses of the import get them too)"
    )
    call = row_call("import", import_id, "PUT", path, f"tag_names {shown}", send, check)
    params = {"import": import_id, "tags": names}
    return cxi_plan(
        "tag apply",
        account,
        "responses",
        summary,
        call,
        params=params,
        follow=_tagged(import_id, names),
    )


# --- planned on the account's tags now (what the faces call) ------------------------------------

MAX_TERMS = 100


def find_tag(tags: Sequence[Tag], wanted: str, account: str) -> Tag:
    """The tag named (any case) or with that id, or PlanRefused with the names close to it."""
    for tag in tags:
        if tag.id == wanted or tag.name.upper() == wanted.strip().upper():
            return tag
    close = [t.name for t in tags if wanted.strip().upper()[:3] in t.name.upper()][:8]
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else " (`workbench export tags -o tags.csv` lists them)"
    )
    raise PlanRefused(f"no tag {wanted!r} in {account}{hint}")


async def _tags_of(settings: Settings, account: str) -> list[Tag]:
    check_account(settings, account, PLATFORM)
    return await live(settings, account, all_tags)


class TagFields(TypedDict, total=False):
    """A tag's fields as every face takes them (a missing one is None): `parent` a top-level
    tag's name or id, `text_match` the whole list of terms (none: a manual tag)."""

    description: str | None
    parent: str | None
    text_match: Sequence[str]


class TagEdits(TagFields, total=False):
    """What a tag edit may change: a new name besides the fields."""

    name: str | None


async def create_tag_plan_for(
    settings: Settings, account: str, name: str, **fields: Unpack[TagFields]
) -> Plan:
    """A new tag, unless the account has one of that name (PlanRefused)."""
    check_keywords("create_tag_plan_for", fields, typed_keys(TagFields))
    parent, text_match = fields.get("parent"), fields.get("text_match", ())
    tags = await _tags_of(settings, account)
    taken = [t for t in tags if t.name.upper() == name.strip().upper()]
    if taken:
        raise PlanRefused(
            f"{account} already has a tag {taken[0].name} (id {taken[0].id}); change it with "
            f"`workbench tag edit {account} {taken[0].id} ...`"
        )
    parent_tag = find_tag(tags, parent, account) if parent else None
    if len(text_match) > MAX_TERMS:
        raise PlanRefused(
            f"a tag takes at most {MAX_TERMS} --text-match terms, not {len(text_match)}"
        )
    try:
        return create_tag_plan(
            account,
            name,
            parent=parent_tag,
            text_match=text_match,
            description=fields.get("description"),
        )
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None


async def edit_tag_plan_for(
    settings: Settings, account: str, tag: str, **edits: Unpack[TagEdits]
) -> Plan:
    """The edit of the tag named (or with that id): a new name, description, parent or
    text-match terms (a manual tag given terms becomes a text-match tag)."""
    check_keywords("edit_tag_plan_for", edits, typed_keys(TagEdits))
    parent, text_match = edits.get("parent"), edits.get("text_match", ())
    tags = await _tags_of(settings, account)
    found = find_tag(tags, tag, account)
    parent_tag = find_tag(tags, parent, account) if parent else None
    changes: dict[str, Any] = {
        "name": edits.get("name"),
        "description": edits.get("description"),
        "parent_id": parent_tag.id if parent_tag else None,
        "text_match_terms": list(text_match) if text_match else None,
    }
    if text_match and found.mode == "manual":
        changes["mode"] = "text_match"
    try:
        return edit_tag_plan(
            account, found, changes, parent_name=parent_tag.name if parent_tag else None
        )
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None


async def toggle_tag_plan_for(settings: Settings, account: str, tag: str, *, enabled: bool) -> Plan:
    """Disable (or enable) the tag named; NothingToDo when it is so already."""
    found = find_tag(await _tags_of(settings, account), tag, account)
    if found.enabled is enabled:
        raise NothingToDo(
            f"Nothing to do: {found.name} is already {'enabled' if enabled else 'disabled'}."
        )
    return disable_tag_plan(account, found, enabled=enabled)


async def delete_tag_plan_for(settings: Settings, account: str, tag: str) -> Plan:
    """Delete the tag named (destructive)."""
    return delete_tag_plan(account, find_tag(await _tags_of(settings, account), tag, account))


async def apply_tags_plan_for(
    settings: Settings, account: str, import_id: str, tags: Sequence[str]
) -> Plan:
    """Apply the tags named (each must exist) to every response of an import."""
    known = await _tags_of(settings, account)
    names = [find_tag(known, t, account).name for t in tags]
    try:
        return apply_tags_plan(account, import_id, names)
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None
