"""One response in full: score, the whole comment, tags, properties and who gave it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workbench.tui.messages import ShowEndUser
from workbench.tui.views import content_escape

_DATE_WORDS = ("date", "time", "_at", "_on", "since", "until", "day")
_EPOCH_RANGE = (86_400 * 365 * 5, 86_400 * 365 * 130)
"""Unix seconds from 1975 to 2100: a number outside this is not taken for a date."""


def unix_date(name: str, value: Any) -> str | None:
    """`value` as a date when `name` says it is one (purchase_date, signed_up_at, ...) and it is
    a Unix time in seconds or milliseconds; None otherwise. Midnight UTC shows as the day."""
    if not any(word in name.lower() for word in _DATE_WORDS) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if _EPOCH_RANGE[0] * 1000 <= abs(number) < _EPOCH_RANGE[1] * 1000:
        number /= 1000
    if not _EPOCH_RANGE[0] <= number < _EPOCH_RANGE[1]:
        return None
    moment = datetime.fromtimestamp(number, tz=UTC)
    if moment.hour == moment.minute == moment.second == 0:
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def property_value(name: str, value: Any) -> str:
    """A property as shown: a Unix-time date as a date (the number after it, dim)."""
    date = unix_date(name, value)
    if date is None:
        return content_escape(str(value))
    return f"{date}  [dim]({content_escape(str(value))})[/]"


def properties_text(properties: dict[str, Any] | None) -> str:
    """`name: value` lines for a properties struct, names sorted; `(none)` when empty."""
    items = sorted((k, v) for k, v in (properties or {}).items() if v is not None)
    if not items:
        return "[dim](none)[/]"
    width = max(len(k) for k, _ in items)
    return "\n".join(f"{content_escape(k).ljust(width)}  {property_value(k, v)}" for k, v in items)


def survey_names(surveys: pl.DataFrame | None, account: str | None = None) -> dict[str, str]:
    """Survey (CXI import, Apptentive survey) id -> name, for one account when given."""
    if surveys is None or surveys.is_empty() or "name" not in surveys.columns:
        return {}
    if account is not None and "account" in surveys.columns:
        surveys = surveys.filter(pl.col("account") == account)
    return {
        str(row["id"]): str(row["name"])
        for row in surveys.select("id", "name").iter_rows(named=True)
        if row["id"] is not None and row["name"]
    }


def with_name(value: Any, names: dict[str, str]) -> str:
    """`Name (id)` when the id has a name, else the id."""
    name = names.get(str(value))
    return f"{name} ({value})" if name else str(value)


def app_surveys(screen: Any) -> pl.DataFrame | None:
    """The surveys table of the app's snapshot (None when the app has none)."""
    snapshot = getattr(screen.app, "snapshot", None)
    try:
        return snapshot.table("surveys") if snapshot is not None else None
    except KeyError:
        return None


LABELS = {"survey_id": "survey", "end_user_id": "end user"}


def field_lines(
    row: dict[str, Any], names: list[str], named: dict[str, dict[str, str]] | None = None
) -> str:
    """`label: value` lines; an id with a name in `named[field]` shows as `Name (id)`."""
    lines = []
    for name in names:
        value = row.get(name)
        if value is None or value == "":
            continue
        if hasattr(value, "strftime"):
            value = f"{value:%Y-%m-%d %H:%M:%S} UTC"
        elif name in (named or {}):
            value = with_name(value, (named or {})[name])
        label = LABELS.get(name, name.replace("_", " "))
        lines.append(f"[dim]{label}:[/] {content_escape(str(value))}")
    return "\n".join(lines)


class ResponseScreen(ModalScreen[None]):
    """Escape closes; `u` (or the button) opens the end user."""

    AUTO_FOCUS = "*"  # the app autofocuses nothing; a dialog focuses its first field
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("u", "end_user", "End user"),
    ]

    def __init__(
        self, response: dict[str, Any], end_user: dict[str, Any] | None, category: str | None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.response = response
        self.end_user = end_user
        self.category = category

    def compose(self) -> ComposeResult:
        r = self.response
        score = r.get("score")
        metric = (r.get("metric") or "").upper()
        heading = f"[b]{metric} {score if score is not None else '—'}[/b]"
        if self.category:
            colour = {
                "promoter": "success",
                "satisfied": "success",
                "agree": "success",
                "passive": "warning",
                "detractor": "error",
            }.get(self.category, "foreground")
            heading += f"  [${colour}]{self.category}[/]"
        tags = ", ".join(r.get("tags") or []) or "(none)"
        with VerticalScroll(classes="dialog wide", id="response-detail"):
            yield Static(heading, classes="dialog-title")
            yield Static("Comment", classes="section-title")
            yield Static(r.get("text") or "(no comment)", markup=False, id="response-comment")
            yield Static("Tags", classes="section-title")
            yield Static(tags, markup=False, id="response-tags")
            yield Static("Response", classes="section-title")
            yield Static(
                field_lines(
                    r,
                    [
                        "id",
                        "account",
                        "platform",
                        "created_at",
                        "updated_at",
                        "sentiment",
                        "survey_id",
                        "origin_url",
                        "excluded_from_calculations",
                    ],
                    {"survey_id": survey_names(app_surveys(self), r.get("account"))},
                )
            )
            yield Static("Properties", classes="section-title")
            yield Static(properties_text(r.get("properties")), id="response-properties")
            yield Static("End user", classes="section-title")
            if self.end_user:
                yield Static(
                    field_lines(self.end_user, ["id", "email", "external_id", "created_at"])
                )
            else:
                who = str(r.get("end_user_id") or r.get("user_ref") or "unknown")
                yield Static(f"[dim]{content_escape(who)} (not stored)[/]")
            with Horizontal(classes="dialog-buttons"):
                if self.end_user:
                    yield Button("End user (u)", id="open-end-user")
                yield Button("Close", id="close")

    def action_end_user(self) -> None:
        if self.end_user:
            self.dismiss()
            self.app.post_message(ShowEndUser(self.end_user["account"], self.end_user["id"]))

    @on(Button.Pressed, "#open-end-user")
    def open_end_user(self) -> None:
        self.action_end_user()

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss()
