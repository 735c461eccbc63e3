"""Request parameters as a Rails app reads them, for all four platforms, and the integer parsers
their validations use.

One decoder (`read_params`) turns the query and the body (a form, multipart with files, or JSON)
into Rack's ordered pairs: `name[key]=v` for hashes, `name[]=v` for arrays. The platforms differ
in a few documented ways, each named in a `Dialect`:

- `WOOTRIC` (Rack and Grape): `;` separates fields as `&` does (the legacy curl examples use it),
  a body that is neither multipart nor JSON is read as a form whatever its content type (the
  docs' `curl -X GET ... -d "created[lt]=..."`), JSON arrays become `name[]` pairs, any JSON
  value is read, and a body that is not JSON answers 400.
- `CXI`: a body without a content type is still a form; arrays of hashes in JSON are indexed
  (`import[tag_names][0]`), as Rails' own JSON params are; a body that is not JSON answers 400.
- `PLAIN` (the control routes, Apptentive, Crowdskout): forms only when their content type says
  so, a JSON array stays one value (its text), and a body that is not JSON is ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal
from urllib.parse import unquote_plus

from starlette.requests import Request


class BodyError(ValueError):
    """The body says it is JSON but is not."""


@dataclass(frozen=True)
class Dialect:
    """How one platform reads its parameters (see the module's docstring)."""

    rack: bool = False
    """Rack's own reading: the query from the URL split on `&` and `;`, media types compared in
    lower case, and a body that is neither multipart nor JSON read as a form. Otherwise
    Starlette reads the query (`&` only) and the form (when its content type names one)."""
    bare_form: bool = False
    """A body without a content type is read as a form (only without `rack`)."""
    json_lists: Literal["brackets", "indexed", "text"] = "brackets"
    """JSON arrays as `name[]` pairs; as `name[i]` for nested hashes and arrays (scalars stay
    `name[]`); or as one value, the array's Python text."""
    json_objects_only: bool = True
    """A JSON body that is not an object gives no parameters."""
    strict_json: bool = True
    """A JSON body that does not parse raises `BodyError` (else it gives no parameters)."""


WOOTRIC = Dialect(rack=True, json_objects_only=False)
CXI = Dialect(bare_form=True, json_lists="indexed")
PLAIN = Dialect(json_lists="text", strict_json=False)


@dataclass
class Params:
    """The parameters of one request: every (name, value) pair in order, and uploaded files."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @cached_property
    def values(self) -> dict[str, str]:
        """One value per name, the last one winning (as Rack's hash keeps it); read once the
        pairs are complete."""
        return dict(self.pairs)

    def get(self, name: str) -> str | None:
        found = [v for k, v in self.pairs if k == name]
        return found[-1] if found else None

    def many(self, *names: str) -> list[str]:
        """Every value of array parameters, commas splitting values as the docs' examples do."""
        found = [v for k, v in self.pairs if k in names]
        return [part.strip() for value in found for part in value.split(",") if part.strip()]

    def has_group(self, name: str) -> bool:
        return any(k == name or k.startswith(f"{name}[") for k, _ in self.pairs) or (
            name in self.files
        )

    def array(self, name: str) -> list[str] | None:
        """`name[]=a&name[]=b` or `name[0]=a&name[1]=b` (or one plain `name=a`); None if absent."""
        indexed: list[tuple[int, int, str]] = []
        for position, (key, value) in enumerate(self.pairs):
            if key == f"{name}[]" or key == name:
                indexed.append((-1, position, value))
            elif (
                key.startswith(f"{name}[")
                and key.endswith("]")
                and key[len(name) + 1 : -1].isdigit()
            ):
                indexed.append((int(key[len(name) + 1 : -1]), position, value))
        if not indexed:
            return None
        return [value for _, _, value in sorted(indexed)]

    def nested(self, name: str) -> dict[str, Any]:
        """`name[a][b]=1&name[c][]=2` -> `{"a": {"b": "1"}, "c": ["2"]}`."""
        tree: dict[str, Any] = {}
        for key, value in self.pairs:
            if not key.startswith(f"{name}["):
                continue
            parts = key[len(name) + 1 : -1].split("][") if key.endswith("]") else []
            if not parts or not parts[0]:
                continue
            node = tree
            for part, following in zip(parts, [*parts[1:], None], strict=True):
                if following is None:
                    node[part] = value
                elif following == "":
                    node.setdefault(part, [])
                    if isinstance(node[part], list):
                        node[part].append(value)
                    break
                else:
                    child = node.setdefault(part, {})
                    if not isinstance(child, dict):
                        break
                    node = child
        return tree


def bracketed(values: dict[str, str], name: str) -> dict[str, str]:
    """`created[gt]=1&created[lt]=2` -> `{"gt": "1", "lt": "2"}` for name `created`."""
    found: dict[str, str] = {}
    for key, value in values.items():
        if key.startswith(f"{name}[") and key.endswith("]"):
            found[key[len(name) + 1 : -1]] = value
    return found


def form_pairs(text: str, *, rack: bool = False) -> list[tuple[str, str]]:
    """Form or query text as URL-decoded pairs, blank values kept: split on `&` (as
    `urllib.parse.parse_qsl` does), or with `rack` on `&` and `;` and the spaces after them."""
    pairs = []
    for piece in re.split(r"[&;] *" if rack else "&", text):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def flatten(
    value: Any, name: str = "", lists: Literal["brackets", "indexed", "text"] = "brackets"
) -> list[tuple[str, str]]:
    """A JSON value as the form pairs Rails would see: `{"t": {"terms": ["a"]}}` -> `t[terms][]`."""
    if isinstance(value, dict):
        return [
            pair
            for key, item in value.items()
            for pair in flatten(item, f"{name}[{key}]" if name else str(key), lists)
        ]
    if isinstance(value, list) and lists != "text":
        pairs: list[tuple[str, str]] = []
        for index, item in enumerate(value):
            nested = lists == "indexed" and isinstance(item, dict | list)
            pairs += flatten(item, f"{name}[{index}]" if nested else f"{name}[]", lists)
        return pairs
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    return [(name, "" if value is None else str(value))]


async def read_params(request: Request, dialect: Dialect) -> Params:
    """The query and the body's parameters, in order, as `dialect` reads them.

    Raises `BodyError` for a JSON body that does not parse (with `strict_json`); Starlette's
    `HTTPException` from a form over its limits passes through.
    """
    if dialect.rack:
        params = Params(form_pairs(request.url.query, rack=True))
    else:
        params = Params(list(request.query_params.multi_items()))
    content_type = request.headers.get("content-type", "")
    if dialect.rack:
        content_type = content_type.lower()
    if "multipart/form-data" in content_type or (
        not dialect.rack and "application/x-www-form-urlencoded" in content_type
    ):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, str):
                params.pairs.append((key, value))
            else:
                params.files[key] = (value.filename or "", await value.read())
                await value.close()
    elif "application/json" in content_type:
        body = await request.body()
        if body:
            try:
                data = json.loads(body)
            except ValueError:  # not JSON, or not UTF-8
                if dialect.strict_json:
                    raise BodyError("the body is not valid JSON") from None
                data = None
            if isinstance(data, dict) or (not dialect.json_objects_only and body):
                params.pairs += flatten(data, lists=dialect.json_lists)
    elif dialect.rack or (dialect.bare_form and not content_type):
        body = await request.body()
        if body:
            params.pairs += form_pairs(body.decode("utf-8", errors="replace"), rack=dialect.rack)
    return params


async def params(request: Request) -> dict[str, str]:
    """Query and form (or JSON) parameters as one value per name, in the `PLAIN` dialect."""
    return (await read_params(request, PLAIN)).values


# --- values ------------------------------------------------------------------------------------


def strict_int(text: str | None, *, signs: str = "+-", unicode_digits: bool = False) -> int | None:
    """An integer as a Rails validation accepts one: an optional sign (one of `signs`) and
    digits (ASCII, or any decimal digit with `unicode_digits`), white space around ignored."""
    if text is None:
        return None
    value = text.strip()
    sign = f"[{re.escape(signs)}]?" if signs else ""
    digits = r"\d+" if unicode_digits else "[0-9]+"
    return int(value) if re.fullmatch(sign + digits, value) else None


def python_int(text: str | None) -> int | None:
    """An integer as Python's `int()` reads one (signs, underscores, white space), else None."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def unsigned_int(text: str) -> int | None:
    """Digits only (`str.isdigit`), as path ids are checked, else None."""
    return int(text) if text.isdigit() else None


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}
