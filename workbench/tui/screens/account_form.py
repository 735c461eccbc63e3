"""Add or edit an account: the platform's fields, secrets masked, checked before saving.

The fields come from the settings models (`workbench.settings.accounts`), so the form asks for
exactly what `workbench accounts add` accepts. Editing keeps a secret that is left empty (its
value, or its keyring reference, stays as it is in the file); the account is validated with
`validate_account` and written with `add_account` into one config file, as the CLI does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from workbench.settings import (
    PLATFORMS,
    SECRET_FIELDS,
    SettingsError,
    add_account,
    check_account_name,
    validate_account,
)
from workbench.settings.accounts import ACCOUNT_MODELS
from workbench.settings.writing import read_document

LABELS = {
    "base_url": "Base URL (empty: the real API)",
    "auth_base_url": "Token URL (CXI; empty: Wootric's)",
    "email": "Email",
    "password": "Password",
    "account_token": "Account token",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "refresh_token": "Refresh token",
    "token": "API token",
    "app_id": "App ID",
    "redirect_uri": "Redirect URI",
}


def platform_fields(platform: str) -> list[str]:
    """The fields an account on `platform` takes, in the model's order."""
    return [name for name in ACCOUNT_MODELS[platform].model_fields if name != "platform"]


def all_fields() -> list[str]:
    seen: dict[str, None] = {}
    for platform in PLATFORMS:
        seen.update(dict.fromkeys(platform_fields(platform)))
    return list(seen)


class AccountFormScreen(ModalScreen[str | None]):
    """Dismisses with the saved account's name, or None on cancel."""

    AUTO_FOCUS = "*"  # the app autofocuses nothing; a dialog focuses its first field
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, config_file: Path, name: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.config_file = config_file
        self.editing = name
        self.existing: dict[str, Any] = {}
        if name is not None:
            try:
                table = (read_document(config_file).get("accounts") or {}).get(name) or {}
            except SettingsError:
                table = {}
            self.existing = dict(table) if isinstance(table, dict) else {}

    def compose(self) -> ComposeResult:
        platform = str(self.existing.get("platform") or "wootric")
        title = f"Edit {self.editing}" if self.editing else "Add an account"
        with Vertical(classes="dialog wide", id="account-form"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(id="account-fields"):
                yield Label("Name")
                yield Input(
                    self.editing or "",
                    placeholder="lowercase letters, digits, - and _",
                    id="field-name",
                    disabled=self.editing is not None,
                )
                yield Label("Platform")
                yield Select(
                    [(p, p) for p in PLATFORMS],
                    value=platform,
                    allow_blank=False,
                    id="field-platform",
                    disabled=self.editing is not None,
                )
                for name in all_fields():
                    secret = name in SECRET_FIELDS
                    value = "" if secret else str(self.existing.get(name) or "")
                    placeholder = (
                        "unchanged (leave empty to keep)"
                        if secret and self.existing.get(name)
                        else ""
                    )
                    with Vertical(classes="form-field", id=f"row-{name}"):
                        yield Label(LABELS.get(name, name))
                        yield Input(
                            value, placeholder=placeholder, password=secret, id=f"field-{name}"
                        )
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_platform_fields()
        self.call_after_refresh(self.focus_first_field)

    def focus_first_field(self) -> None:
        """The first field that can be typed in: the name (adding) or the first shown field."""
        for widget in self.query("#account-fields Input, #account-fields Select"):
            if widget.focusable:
                widget.focus()
                return

    @property
    def platform(self) -> str:
        return str(self.query_one("#field-platform", Select).value)

    def _show_platform_fields(self) -> None:
        wanted = set(platform_fields(self.platform))
        for name in all_fields():
            self.query_one(f"#row-{name}").display = name in wanted

    @on(Select.Changed, "#field-platform")
    def platform_changed(self) -> None:
        self._show_platform_fields()

    def values(self) -> tuple[str, dict[str, Any]]:
        """The name and the fields as typed (empty ones left out; kept secrets filled in)."""
        name = self.query_one("#field-name", Input).value.strip()
        fields: dict[str, Any] = {"platform": self.platform}
        for field in platform_fields(self.platform):
            value = self.query_one(f"#field-{field}", Input).value.strip()
            if value:
                fields[field] = value
            elif field in SECRET_FIELDS and self.existing.get(field):
                fields[field] = self.existing[field]
        return name, fields

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(f"[$error]{message}[/]")

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        name, fields = self.values()
        try:
            check_account_name(name)
            account = validate_account(name, fields)
            add_account(name, account, path=self.config_file, replace=self.editing is not None)
        except SettingsError as exc:
            self.show_error(str(exc).replace("[", "\\["))
            return
        self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)
