"""Rails form fields, as Wootric's and CXI's docs send them: one encoder for both APIs.

`{"end_user": {"properties": {"plan": "x"}}}` gives `end_user[properties][plan]=x`;
`{"text_match_terms": ["a", "b"]}` under `tag` gives `tag[text_match_terms][]=a&...=b`, or with
`indexed` `[0]`, `[1]` as in CXI's imports example. None and empty lists are left out (a form
cannot say "empty list"); booleans are `true`/`false`, dates ISO 8601.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

FormValue = str | list[str]


def rails_form(
    fields: Mapping[str, Any], prefix: str = "", *, indexed: bool = False
) -> dict[str, FormValue]:
    flat: dict[str, FormValue] = {}
    for key, value in fields.items():
        if value is None:
            continue
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(rails_form(value, name, indexed=indexed))
        elif isinstance(value, list | tuple):
            if not value:
                continue
            if indexed or any(isinstance(item, Mapping) for item in value):
                flat.update(
                    rails_form({str(i): item for i, item in enumerate(value)}, name, indexed=True)
                )
            else:
                flat[f"{name}[]"] = [_scalar(item) for item in value]
        else:
            flat[name] = _scalar(value)
    return flat


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def check_keywords(function: str, given: Mapping[str, object], known: Collection[str]) -> None:
    """A misspelt keyword of a `**kwargs: Unpack[...]` function is refused, as a named keyword
    argument would be, not left out (the type checker sees the keys; a plain call does not).
    Every face's options pass through here, from the clients up to the action planners."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise TypeError(
            f"{function}() got an unexpected keyword argument {unknown[0]!r} "
            f"(the options are {', '.join(sorted(known))})"
        )


def typed_keys(options: Any) -> frozenset[str]:
    """The keys a TypedDict declares, required or not (what `check_keywords` knows)."""
    return frozenset(options.__required_keys__ | options.__optional_keys__)
