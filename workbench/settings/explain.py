"""Turn a pydantic ValidationError into one SettingsError line: origin, dotted key, problem.

pydantic's own message is several lines, mentions union tags and internal locations, and (unless
told otherwise) echoes the input, which may be a secret. An analyst needs the file, the key as
written in that file, and what to change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from workbench.settings.accounts import ACCOUNT_MODELS, PLATFORMS
from workbench.settings.errors import SettingsError
from workbench.settings.sources import ENVIRONMENT, Layer, env_var_name

CHOICES = ", ".join(PLATFORMS)
_MISSING = frozenset({"missing", "union_tag_not_found", "missing_credential"})
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_NOT_A_TABLE = frozenset({"dict_type", "model_type", "model_attributes_type"})


def _known_keys(parent: tuple[str, ...], platform: str | None, root: type[BaseModel]) -> list[str]:
    model: type[BaseModel] | None = None
    if platform is not None:
        model = ACCOUNT_MODELS[platform]
    elif not parent:
        model = root
    elif parent in (("http",), ("sync",), ("display",)):
        annotation = root.model_fields[parent[0]].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    if model is None:
        return []
    return sorted(name for name in model.model_fields if name != "platform")


def describe(error: ErrorDetails, root: type[BaseModel]) -> tuple[tuple[str, ...], str]:
    """The dotted key (without pydantic's union tag) and a plain-words problem for one error."""
    loc = tuple(str(part) for part in error["loc"])
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    platform: str | None = None
    if loc[:1] == ("accounts",) and len(loc) >= 3 and loc[2] in PLATFORMS:
        platform, loc = loc[2], loc[:2] + loc[3:]
    if loc and loc[-1] == "[key]":
        return loc[
            :-1
        ], "account names are lowercase letters and digits joined by - or _ (at most 64)"
    if kind == "union_tag_invalid":
        return (*loc, "platform"), f"unknown platform {ctx.get('tag')!r}; expected one of {CHOICES}"
    if kind == "union_tag_not_found":
        return (*loc, "platform"), f"missing; expected one of {CHOICES}"
    if kind == "missing_credential":
        field = ctx.get("field")
        return ((*loc, str(field)) if field else loc), error["msg"]
    if kind == "missing":
        return loc, f"missing (every {platform} account needs it)" if platform else "missing"
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1], platform, root)
        where = f" for a {platform} account" if platform else ""
        close = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        return loc, f"unknown key{where}; {hint}" if known else f"unknown key{where}"
    if kind in _NOT_A_TABLE:
        return loc, "should be a table"
    message = error["msg"].removeprefix("Input should be").strip()
    if message != error["msg"]:
        message = f"should be {message}"
    return loc, message[:1].lower() + message[1:]


def _depth(data: Mapping[str, Any], key: Sequence[str]) -> int:
    """How many leading parts of a dotted key a source's data holds."""
    node: Any = data
    for depth, part in enumerate(key):
        if not isinstance(node, Mapping) or part not in node:
            return depth
        node = node[part]
    return len(key)


def _source_of(key: tuple[str, ...], layers: Sequence[Layer], missing: bool) -> Layer | None:
    """The source to blame: for a bad value the one whose value won (the highest priority that
    has it); for a missing one the first (lowest priority) that defines the enclosing table,
    which is where the person wrote the rest of it."""
    depths = [_depth(layer.data, key) for layer in layers]
    best = max(depths, default=0)
    if best == 0:
        return None
    holders = [layer for layer, depth in zip(layers, depths, strict=True) if depth == best]
    return holders[0] if missing else holders[-1]


def _label(layer: Layer | None, key: tuple[str, ...]) -> str | None:
    if layer is None:
        return None
    if layer.origin == ENVIRONMENT:
        return f"environment variable {env_var_name(key)}"
    return layer.origin


def _stray_env_account(key: tuple[str, ...], layers: Sequence[Layer]) -> str | None:
    """A WORKBENCH_ACCOUNTS__X__* variable for an account no file defines is usually a typo."""
    if len(key) != 3 or key[0] != "accounts":
        return None
    files = [layer for layer in layers if layer.origin != ENVIRONMENT]
    known = sorted(
        {
            name
            for layer in files
            if isinstance(accounts := layer.data.get("accounts"), Mapping)
            for name in accounts
        }
    )
    if key[1] in known:
        return None
    problem = (
        f"{env_var_name(key[:2])}__* variables name an account that no config file defines "
        f"(set {env_var_name(key)} to define it there)"
    )
    close = difflib.get_close_matches(key[1], known, n=1)
    return problem + (f"; did you mean {close[0]!r}?" if close else "")


def explain(
    exc: ValidationError,
    layers: Sequence[Layer],
    root: type[BaseModel],
    *,
    prefix: tuple[str, ...] = (),
) -> SettingsError:
    """The first problem of a ValidationError as one line, plus how many more there are.

    `prefix` is put before every error location, for a part validated on its own (an account).
    """
    errors = exc.errors(include_url=False, include_input=False)
    first: ErrorDetails = {**errors[0], "loc": prefix + tuple(errors[0]["loc"])}
    key, problem = describe(first, root)
    missing = first["type"] in _MISSING
    source = _source_of(key, layers, missing)
    if first["type"] == "union_tag_not_found" and source and source.origin == ENVIRONMENT:
        problem = _stray_env_account(key, layers) or problem
    if len(errors) > 1:
        more = len(errors) - 1
        problem += f" (and {more} more problem{'s' if more > 1 else ''})"
    return SettingsError(problem, origin=_label(source, key), key=dotted(key))


def dotted(key: Sequence[str]) -> str | None:
    """A key as TOML spells it: accounts.acme.platform, quoting parts that are not bare keys."""
    return ".".join(part if _BARE.match(part) else f'"{part}"' for part in key) or None
