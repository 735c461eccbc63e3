"""What a CXI request asks: its parameters (query, form, multipart, JSON) and paging."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from workbench.sandbox import rails
from workbench.sandbox.cxi.answers import bad_request
from workbench.sandbox.rails import Params, strict_int

MAX_PAGE = 30
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 25


# --- parameters ---------------------------------------------------------------------------------


class ParamsError(ValueError):
    """The request body could not be read (e.g. a multipart part over Starlette's limits)."""


async def read_params(request: Request) -> Params:
    """Query, form, multipart (files kept) and JSON parameters, as `rails.CXI` reads them."""
    try:
        return await rails.read_params(request, rails.CXI)
    except HTTPException as exc:
        raise ParamsError(str(exc.detail)) from None
    except rails.BodyError:
        raise ParamsError("the JSON body could not be parsed") from None


def paging(params: Params) -> tuple[int, int]:
    """(offset, per_page) after Grape's checks: page 1-30, per_page 1-50."""
    problems: list[str] = []
    chosen: dict[str, int] = {}
    for name, default, maximum in (
        ("page", 1, MAX_PAGE),
        ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    ):
        raw = params.get(name)
        if raw is None or not raw.strip():
            chosen[name] = default
            continue
        number = strict_int(raw)
        if number is None:
            problems.append(f"{name} is invalid")
        elif not 1 <= number <= maximum:
            problems.append(f"{name} does not have a valid value")
        else:
            chosen[name] = number
    if problems:
        raise bad_request(*problems)
    return (chosen["page"] - 1) * chosen["per_page"], chosen["per_page"]


def choice(params: Params, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    if raw.strip() not in allowed:
        raise bad_request(f"{name} does not have a valid value")
    return raw.strip()
