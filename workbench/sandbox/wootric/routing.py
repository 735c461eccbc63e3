"""Which Wootric /v1 endpoint a request names, and the call its handler receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.sandbox.rails import Params
from workbench.sandbox.wootric.store import AccountData
from workbench.sandbox.wootric.writes import AccountWrites

EU = r"end_users/(?P<key>[^/]+)"
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", r"end_users", "list_end_users"),
    ("POST", r"end_users", "create_end_user"),
    ("GET", r"end_users/phone_number/(?P<phone>[^/]+)", "end_user_by_phone"),
    ("GET", EU + r"/export", "export_end_user"),
    ("GET", EU + r"/settings", "get_settings"),
    ("PUT", EU + r"/settings", "update_settings"),
    ("GET", EU + r"/responses(?:/(?P<scope>promoters|passives|detractors))?", "user_responses"),
    ("POST", EU + r"/responses", "create_response"),
    ("GET", EU + r"/responses/(?P<id>\d+)", "get_response"),
    ("DELETE", EU + r"/(?:responses|respones)/(?P<id>\d+)", "delete_response"),
    ("GET", EU + r"/declines", "user_declines"),
    ("POST", EU + r"/declines", "create_decline"),
    ("GET", EU + r"/declines/(?P<id>\d+)", "get_decline"),
    ("DELETE", EU + r"/declines/(?P<id>\d+)", "delete_decline"),
    ("GET", EU + r"/page_views", "user_page_views"),
    ("POST", EU + r"/page_views", "create_page_view"),
    ("GET", EU + r"/page_views/(?P<id>\d+)", "get_page_view"),
    ("DELETE", EU + r"/page_views/(?P<id>\d+)", "delete_page_view"),
    ("GET", EU, "get_end_user"),
    ("POST", EU, "lookup_end_user_posted"),
    ("PUT", EU, "update_end_user"),
    ("DELETE", EU, "delete_end_user"),
    ("GET", r"responses", "list_responses"),
    ("PUT", r"responses/(?P<id>\d+)", "update_response"),
    ("GET", r"declines", "list_declines"),
    ("PUT", r"declines/(?P<id>\d+)", "update_decline"),
    ("GET", r"segments", "segments"),
    ("GET", r"nps_summary", "nps_summary"),
    ("POST", r"email_survey", "email_survey"),
)
COMPILED = tuple((method, re.compile(pattern), name) for method, pattern, name in ROUTES)
METHOD_ALIASES = {"HEAD": "GET", "PATCH": "PUT"}


def route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The handler name and path groups for a request, or None (404)."""
    method = METHOD_ALIASES.get(method, method)
    path = path.strip("/")
    if path.endswith(".json"):  # the legacy reference's `/v1/end_users.json`
        path = path[: -len(".json")]
    for wanted, pattern, name in COMPILED:
        found = pattern.fullmatch(path)
        if found and wanted == method:
            return name, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


@dataclass
class Call:
    """One authenticated API call, as the handlers see it."""

    data: AccountData
    writes: AccountWrites
    params: Params
    now: int
    client_ip: str

    @property
    def values(self) -> dict[str, str]:
        return self.params.values


Reply = tuple[int, Any]
"""Status and JSON body (None: no body)."""
