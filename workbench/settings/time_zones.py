"""Time zone names as the settings take them: IANA names checked with zoneinfo.

Every account may name its zone (`accounts.<name>.time_zone`), and `display.time_zone` may name
the zone figures are shown in whatever the accounts'. A bad name is one line saying what to
write instead, the same words wherever the name came from (a file, a variable, `--time-zone`).
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from pydantic_core import PydanticCustomError


def time_zone_problem(name: str) -> str | None:
    """Why `name` is not a time zone this machine knows, in one line; None when it is one."""
    if not isinstance(name, str) or not name.strip():
        return "a time zone is an IANA name such as 'Europe/Paris' or 'UTC', not an empty string"
    if name in _known():
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    else:
        return None
    close = _suggestion(name)
    hint = f"did you mean {close!r}?" if close else "use an IANA name such as 'Europe/Paris'"
    return f"unknown time zone {name!r}; {hint}"


def check_time_zone(name: str) -> str:
    """`name` unchanged, or a pydantic error with the one-line problem (for field validators)."""
    problem = time_zone_problem(name)
    if problem:
        raise PydanticCustomError("time_zone", problem)
    return name


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _suggestion(name: str) -> str | None:
    import difflib

    by_lower = {known.lower(): known for known in _known()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    wanted = name.strip().lower().replace(" ", "_")
    cities = {known.rsplit("/", 1)[-1].lower(): known for known in sorted(_known())}
    if wanted in cities:
        return cities[wanted]
    close = difflib.get_close_matches(wanted, list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None
