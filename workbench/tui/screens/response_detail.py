"""One response in full: score, the whole comment, tags, properties and who gave it."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workbench.tui.messages import ShowEndUser
from workbench.tui.views import content_escape


def properties_text(properties: dict[str, Any] | None) -> str:
    """`name: value` lines for a properties struct, names sorted; `(none)` when empty."""
    items = sorted((k, v) for k, v in (properties or {}).items() if v is not None)
    if not items:
        return "[dim](none)[/]"
    width = max(len(k) for k, _ in items)
    return "\n".join(
        f"{content_escape(k).ljust(width)}  {content_escape(str(v))}" for k, v in items
    )


def field_lines(row: dict[str, Any], names: list[str]) -> str:
    lines = []
    for name in names:
        value = row.get(name)
        if value is None or value == "":
            continue
        if hasattr(value, "strftime"):
            value = f"{value:%Y-%m-%d %H:%M:%S} UTC"
        lines.append(f"[dim]{name.replace('_', ' ')}:[/] {content_escape(str(value))}")
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
