"""CXI's actions, except tags (`cxi_tags.py`): upload a CSV as an import, complete onboarding,
request an export.

**Import.** The file is checked locally first (`sources/cxi_csv.py`): every problem named with
its row and column, and no plan at all while one remains (`ImportRefused`). The plan is then one
call: `POST /v1/imports` (the CSV, uploaded under the import's name, so the import is named
right from the start), followed by `PUT /v1/imports/{id}` when a metric type, language, tags or
projects are given. It is read back by listing the imports: one of that name with that many
responses and the asked metadata is the upload done. A run killed between the upload and the
`PUT` leaves an import of that name and size with no metadata at all; the next run finds it and
only sends the `PUT`, so the file is never uploaded twice. The store follows: the import is added
to `surveys` and its responses to `responses` (the upload's answer carries them); after a run
that was killed, the next `workbench sync` reads them instead.

**Onboarding** is `PUT /v1/onboarding` with the chosen product category (and the optional
project and import details), then `onboarded=true`; read back with `GET /v1/onboarding`.
**Export** is `POST /v1/exports`: CXI e-mails a CSV to the requesting user; it cannot be read
back (the API lists no exports), so a run stopped while it was in flight does not ask again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from workbench.data.actions.plan import Call, Plan
from workbench.data.actions.planning import (
    NothingToDo,
    PlanRefused,
    check_account,
    live,
)
from workbench.data.normalize import cxi as normalize
from workbench.data.store import AccountStore
from workbench.settings import Settings
from workbench.sources.cxi import CxiClient, OnboardingDetails
from workbench.sources.cxi_csv import CsvProblem, content_problems, read_source
from workbench.sources.forms import check_keywords, typed_keys
from workbench.sources.models.cxi import Import, Tag

PLATFORM = "cxi"
METRIC_TYPES = ("nps", "csat", "ces", "other")


def cxi_client(client: Any) -> CxiClient:
    if not isinstance(client, CxiClient):
        raise TypeError(f"a CXI action needs a CXI client, not {type(client).__name__}")
    return client


def cxi_plan(action: str, account: str, table: str, summary: str, call: Call, **more: Any) -> Plan:
    """The plan of a CXI action: every one is a single call (`more`: Plan's other fields)."""
    return Plan(action, account, PLATFORM, table, summary, (call,), **more)


class ImportRefused(ValueError):
    """The file would be refused by CXI; nothing is planned. `problems` names each one."""

    def __init__(self, name: str, problems: Sequence[CsvProblem]) -> None:
        self.name = name
        self.problems = list(problems)
        super().__init__(f"{name}: {len(self.problems):,} problem(s); nothing was uploaded")


@dataclass(frozen=True)
class CsvShape:
    rows: int
    columns: tuple[str, ...]


def _shape(content: bytes) -> CsvShape:
    reader = csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
    header = next(reader, [])
    return CsvShape(sum(1 for _ in reader), tuple(header))


async def all_tags(client: Any) -> list[Tag]:
    """Every tag of the account, children included (one read)."""
    return [t async for t in cxi_client(client).iter_tags(flat=True)]


async def project_ids(settings: Settings, account: str, given: Sequence[str]) -> list[str]:
    """The ids of the projects named (by id or name, any case), or PlanRefused listing them."""
    if not given:
        return []
    projects = await live(settings, account, lambda c: cxi_client(c).list_projects())
    by_name = {p.name.casefold(): p.id for p in projects if p.name}
    ids = {p.id for p in projects}
    chosen = []
    for value in given:
        if value in ids:
            chosen.append(value)
        elif value.casefold() in by_name:
            chosen.append(by_name[value.casefold()])
        else:
            listed = ", ".join(f"{p.id} {p.name}" for p in projects) or "(none)"
            raise PlanRefused(f"no project {value!r} in {account}; the projects are: {listed}")
    return chosen


Names = str | Sequence[str] | None


def split_names(values: Names) -> list[str]:
    """Names given one by one, several in one "A,B", or both, as every face takes them."""
    given = [values] if isinstance(values, str) else list(values or [])
    return [part.strip() for value in given for part in value.split(",") if part.strip()]


class ImportDetails(TypedDict, total=False):
    """What an import may carry besides its file, by `import_plan`'s names: tags and projects
    as the faces take them (`split_names`), projects by id or name."""

    name: str | None
    metric_type: str | None
    language: str | None
    tags: Names
    projects: Names


async def import_plan_for(
    settings: Settings, account: str, path: str, **details: Unpack[ImportDetails]
) -> Plan:
    """`import_plan` with the projects resolved (ids or names) and the tags checked against
    the account's tags now. ImportRefused names every problem of the file; PlanRefused says
    what else is wrong."""
    check_keywords("import_plan_for", details, typed_keys(ImportDetails))
    check_account(settings, account, PLATFORM)
    chosen = await project_ids(settings, account, split_names(details.get("projects")))
    resolved: ImportDetails = {**details, "projects": chosen}
    try:
        plan = import_plan(account, path, **resolved)
    except ImportRefused:
        raise
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None
    tags = split_names(details.get("tags"))
    if tags:
        known = {t.name.upper() for t in await live(settings, account, all_tags)}
        unknown = [t for t in tags if t.upper() not in known]
        if unknown:
            raise PlanRefused(
                f"no tag {', '.join(unknown)} in {account}; create it first with "
                f"`workbench tag create {account} NAME`"
            )
    return plan


def import_plan(
    account: str,
    path: str,
    *,
    name: str | None = None,
    metric_type: str | None = None,
    language: str | None = None,
    tags: Names = (),
    projects: Names = (),
) -> Plan:
    """The upload of one CSV file as a new import of `account`, or ImportRefused. Tags and
    projects as `split_names` reads them.

    `projects` are project ids (the API takes ids; the CLI resolves names from the store)."""
    file_name, content, problems = read_source(path)
    if content is not None:
        problems += content_problems(content)
    if problems or content is None:
        raise ImportRefused(file_name, problems)
    if metric_type is not None and metric_type.lower() not in METRIC_TYPES:
        raise ValueError(f"--metric-type is one of {', '.join(METRIC_TYPES)}, not {metric_type!r}")
    shape = _shape(content)
    title = (name or file_name).strip()
    if not title:
        raise ValueError("the import needs a name: give --name")
    meta: dict[str, Any] = {
        "metric_type": metric_type.lower() if metric_type else None,
        "language": language,
        "tag_names": split_names(tags) or None,
        "project_ids": split_names(projects) or None,
    }
    meta = {k: v for k, v in meta.items() if v is not None}
    digest = hashlib.sha256(content).hexdigest()[:16]
    created: dict[str, Any] = {}

    def found(imports: list[Import]) -> Import | None:
        return next(
            (i for i in imports if i.name == title and (i.response_count or 0) in (0, shape.rows)),
            None,
        )

    def agrees(item: Import) -> bool:
        return all(
            (
                meta.get("metric_type") in (None, item.metric_type),
                meta.get("language") in (None, item.language),
            )
        )

    async def listed(client: CxiClient) -> list[Import]:
        return [i async for i in client.iter_imports()]

    async def send(raw: Any) -> None:
        client = cxi_client(raw)
        half_done = found(await listed(client)) if meta else None
        if half_done is not None and (half_done.metric_type or half_done.source):
            half_done = None  # a finished import of the same name: not ours to change
        if half_done is None:
            detail = await client.create_import(content, filename=title)
            import_id = detail.id
            created["detail"] = detail
        else:
            import_id = half_done.id
        if meta:
            created["detail"] = await client.update_import(import_id, **meta)

    async def check(raw: Any) -> bool | None:
        item = found(await listed(cxi_client(raw)))
        return item is not None and agrees(item)

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        detail = created.get("detail")
        if detail is None:
            return  # done by an earlier run: the next sync reads the import
        row = detail.model_dump(mode="json")
        store.append("surveys", normalize.cxi_imports([row], account).frame)
        answers = normalize.cxi_responses(
            row.get("responses") or [],
            account,
            import_id=str(detail.id),
            metric_type=detail.metric_type,
        )
        store.append("responses", answers.frame)

    extra = ", ".join(
        f"{k.replace('_', ' ')} {', '.join(v) if isinstance(v, list) else v}"
        for k, v in meta.items()
    )
    summary = f"Upload {file_name} as the import {title!r}" + (f" ({extra})" if extra else "")
    change = f"{shape.rows:,} rows, {len(shape.columns)} columns ({', '.join(shape.columns)})"
    path = "/v1/imports" + (" + PUT /v1/imports/{id}" if meta else "")
    call = Call(f"import:{digest}", "POST", path, (title,), change, send, check)
    summary += "; the store gets the import and its responses"
    params = {"file": digest, "name": title, **meta}
    return cxi_plan("import", account, "surveys", summary, call, params=params, follow=follow)


class ChooseCategory(ValueError):
    """Onboarding needs a product category: `choices` (id -> name) are the ones to choose from
    (not a PlanRefused: the CLI lists them, one a line)."""

    def __init__(self, account: str, choices: dict[str, str]) -> None:
        self.account = account
        self.choices = choices
        listed = ", ".join(f"{k} {v}" for k, v in choices.items())
        super().__init__(f"{account} is not onboarded yet; choose a product category: {listed}")


async def onboarding_plan_for(
    settings: Settings,
    account: str,
    category: str | None,
    **details: Unpack[OnboardingDetails],
) -> Plan:
    """`onboarding_plan` on the account's onboarding now: NothingToDo when it is onboarded,
    ChooseCategory without a category, PlanRefused for one it does not offer (by id or name)."""
    check_account(settings, account, PLATFORM)
    status = await live(settings, account, lambda c: cxi_client(c).get_onboarding())
    if status.onboarded:
        raise NothingToDo(
            f"{account} is already onboarded; `workbench sync --account {account}` reads it."
        )
    choices = {str(c.id): c.name for c in status.product_categories}
    if category is None:
        raise ChooseCategory(account, choices)
    chosen = (
        category
        if category in choices
        else next((k for k, v in choices.items() if v.casefold() == category.casefold()), None)
    )
    if chosen is None:
        raise PlanRefused(
            f"no product category {category!r}; run `workbench onboard {account}` to list them"
        )
    metric_type = details.get("import_metric_type")
    if metric_type and metric_type.lower() not in METRIC_TYPES:
        raise PlanRefused(f"--import-metric-type is one of {', '.join(METRIC_TYPES)}")
    lowered: OnboardingDetails = {
        **details,
        "import_metric_type": metric_type.lower() if metric_type else None,
    }
    return onboarding_plan(account, chosen, **lowered)


def onboarding_plan(
    account: str, product_category: str, **details: Unpack[OnboardingDetails]
) -> Plan:
    """Complete the onboarding of `account` with a product category (its id); a misspelt
    detail fails here, as a named keyword would (`onboarding_plan_for` and the faces pass them
    on), not when the call is sent."""
    check_keywords("onboarding_plan", details, typed_keys(OnboardingDetails))
    given = {  # the ones given, in the order the flow lists them
        k: v for k in OnboardingDetails.__annotations__ if isinstance(v := details.get(k), str)
    }

    async def send(raw: Any) -> None:
        await cxi_client(raw).complete_onboarding(product_category, **given)

    async def check(raw: Any) -> bool | None:
        return (await cxi_client(raw).get_onboarding()).onboarded

    shown = ", ".join(f"{k.replace('_', ' ')} {v!r}" for k, v in given.items())
    summary = f"Complete the CXI onboarding with product category {product_category}"
    summary += (f" ({shown})" if shown else "") + "; then `workbench sync` reads the account"
    change = "product category, then onboarded → true"
    call = Call("onboarding", "PUT", "/v1/onboarding", (account,), change, send, check)
    params = {"product_category_id": product_category, **given}
    return cxi_plan("onboard", account, "accounts", summary, call, params=params)


def export_plan_for(settings: Settings, account: str, export_type: str = "responses") -> Plan:
    """`export_plan` for a configured CXI account, or PlanRefused."""
    check_account(settings, account, PLATFORM)
    try:
        return export_plan(account, export_type)
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None


def export_plan(account: str, export_type: str = "responses") -> Plan:
    """Ask CXI to e-mail a CSV export (`responses` or `users`) to the requesting user."""
    if export_type not in ("responses", "users"):
        raise ValueError(f"--type is responses or users, not {export_type!r}")

    async def send(raw: Any) -> None:
        await cxi_client(raw).create_export("users" if export_type == "users" else "responses")

    summary = (
        f"Ask CXI to e-mail an export of the account's {export_type} to its user "
        "(one export at a time; the store does not change)"
    )
    key, change = f"export:{export_type}", f"export_type={export_type}"
    call = Call(key, "POST", "/v1/exports", (account,), change, send, None)
    params = {"export_type": export_type}
    return cxi_plan("cxi-export", account, "accounts", summary, call, params=params)
