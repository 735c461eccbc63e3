"""The CXI tag endpoints: list, create, update and delete tags."""

from __future__ import annotations

from starlette.responses import Response

from workbench.sandbox.cxi.answers import Json, bad_request, invalid, not_found
from workbench.sandbox.cxi.catalog import CxiTag
from workbench.sandbox.cxi.core import CxiCore
from workbench.sandbox.cxi.data import CxiAccountData, TagStats
from workbench.sandbox.cxi.params import choice, paging
from workbench.sandbox.rails import Params, strict_int, truthy
from workbench.sandbox.web import answer, empty

MAX_TEXT_MATCH_TERMS = 100
TAG_SORTS = ("name_asc", "name_desc", "responses_asc")


class TagEndpoints(CxiCore):
    """`/v1/tags` of `Cxi`."""

    # -- tags ----------------------------------------------------------------------------------

    def _list_tags(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        offset, per_page = paging(params)
        sort = choice(params, "sort", TAG_SORTS)
        search = (params.get("search") or "").strip().lower()
        with_stats = not truthy(params.get("no_stats"))
        stats = data.tag_stats()
        total = data.responses.height
        tags = [
            t for t in data.tags.values() if t.enabled or not truthy(params.get("exclude_disabled"))
        ]

        def count(tag: CxiTag) -> int:
            found = stats.get(tag.id)
            return found.response_count if found else 0

        def ordered(chosen: list[CxiTag]) -> list[CxiTag]:
            if sort == "name_asc":
                return sorted(chosen, key=lambda t: (t.name, t.id))
            if sort == "name_desc":
                return sorted(chosen, key=lambda t: (t.name, t.id), reverse=True)
            if sort == "responses_asc":
                return sorted(chosen, key=lambda t: (count(t), t.id))
            return sorted(chosen, key=lambda t: (-count(t), t.id))

        def matches(tag: CxiTag) -> bool:
            return not search or search in tag.name.lower()

        def listed(tag: CxiTag, children: list[Json] | None = None) -> Json:
            empty_stats = TagStats(0, 0, 0, 0, 0)
            tag_stats = stats.get(tag.id, empty_stats) if with_stats else None
            return self._listed_tag(tag, tag_stats, total, children)

        if truthy(params.get("flat")):
            page = ordered([t for t in tags if matches(t)])[offset : offset + per_page]
            return answer([listed(t) for t in page])
        present = {t.id for t in tags}
        children_of: dict[int, list[CxiTag]] = {}
        for tag in tags:
            if tag.parent_id is not None and tag.parent_id in present:
                children_of.setdefault(tag.parent_id, []).append(tag)
        top = [t for t in tags if t.parent_id is None or t.parent_id not in present]
        shown: list[tuple[CxiTag, list[CxiTag]]] = []
        for tag in ordered(top):
            kids = children_of.get(tag.id, [])
            visible = kids if matches(tag) else [k for k in kids if matches(k)]
            if matches(tag) or visible:
                shown.append((tag, ordered(visible)))
        page_of_tags = shown[offset : offset + per_page]
        return answer([listed(t, [listed(k) for k in kids]) for t, kids in page_of_tags])

    def _tag_fields(self, data: CxiAccountData, params: Params, tag: CxiTag | None) -> Json:
        """The validated changes a create (tag is None) or an update asks for."""
        if not params.has_group("tag"):
            raise bad_request("tag is missing")
        errors: list[tuple[str | None, str]] = []
        changes: Json = {}
        name = params.get("tag[name]")
        if name is not None or tag is None:
            upper = (name or "").strip().upper()
            if not upper:
                errors.append(("name", "Name can't be blank"))
            elif any(t.name == upper and t is not tag for t in data.tags.values()):
                errors.append(("name", "Name has already been taken"))
            changes["name"] = upper
        mode = params.get("tag[mode]")
        if mode is not None or tag is None:
            chosen = (mode or "manual").strip().lower()
            if tag is not None and tag.mode == "smart" and chosen != "smart":
                errors.append(("mode", "Mode of a smart tag cannot be changed"))
            elif chosen not in ("manual", "text_match") and not (tag and tag.mode == chosen):
                errors.append(("mode", "Mode must be manual or text_match"))
            changes["mode"] = chosen
        description = params.get("tag[description]")
        if description is not None:
            changes["description"] = description.strip() or None
        terms = params.array("tag[text_match_terms]")
        if terms is not None:
            terms = [t.strip() for t in terms if t.strip()]
            if len(terms) > MAX_TEXT_MATCH_TERMS:
                errors.append(
                    ("text_match_terms", "Text match terms is too long (maximum is 100 terms)")
                )
            changes["text_match_terms"] = terms
        if params.has_group("tag[filter_rules]"):
            changes["filter_rules"] = params.nested("tag[filter_rules]")
        parent = params.get("tag[parent_id]")
        if parent is not None:
            changes["parent_id"] = self._parent_id(data, parent, tag, errors)
        enabled = params.get("tag[enabled]")
        if enabled is not None:  # the tag object's `enabled`, permitted as Rails would
            changes["enabled"] = truthy(enabled)
        final_mode = changes.get("mode", tag.mode if tag else "manual")
        final_terms = changes.get("text_match_terms", tag.text_match_terms if tag else [])
        if final_mode == "text_match" and not final_terms:
            errors.append(
                ("text_match_terms", "Text match terms can't be blank for a text_match tag")
            )
        if final_mode != "text_match":
            changes["text_match_terms"] = []  # "only applies to text-match tags"
        if errors:
            raise invalid(*errors)
        return changes

    @staticmethod
    def _parent_id(
        data: CxiAccountData, raw: str, tag: CxiTag | None, errors: list[tuple[str | None, str]]
    ) -> int | None:
        if not raw.strip():
            return None
        parent_id = strict_int(raw)
        parent = data.tags.get(parent_id) if parent_id is not None else None
        if parent is None:
            errors.append(("parent", "Parent must exist"))
        elif tag is not None and parent.id == tag.id:
            errors.append(("parent", "Parent can't be the tag itself"))
        elif parent.parent_id is not None:
            errors.append(("parent", "Parent must be a top-level tag"))
        elif tag is not None and any(t.parent_id == tag.id for t in data.tags.values()):
            errors.append(("parent", "A tag with children cannot have a parent"))
        return parent_id

    def _create_tag(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        changes = self._tag_fields(data, params, None)
        tag = CxiTag(
            id=self._ids.take("tags"),
            name=changes.pop("name"),
            mode=changes.pop("mode"),
            scope_by_parent=False,
        )
        for key, value in changes.items():
            setattr(tag, key, value)
        data.tags[tag.id] = tag
        data.apply_text_match(tag)
        data.changed()
        return answer(self._tag_json(tag), status=201)

    def _update_tag(self, data: CxiAccountData, params: Params, path: Json) -> Response:
        tag = data.tags.get(path["tag_id"])
        if tag is None:
            raise not_found("Tag", path["tag_id"])
        changes = self._tag_fields(data, params, tag)
        matching = ("mode", "text_match_terms", "filter_rules")
        rematch = any(key in changes and changes[key] != getattr(tag, key) for key in matching)
        for key, value in changes.items():
            setattr(tag, key, value)
        if rematch and tag.mode == "text_match":
            data.untag_everywhere(tag.id)
            data.apply_text_match(tag)
        data.changed()
        return answer(self._tag_json(tag))

    def _delete_tag(self, data: CxiAccountData, params: Params, path: Json) -> Response:
        tag = data.tags.pop(path["tag_id"], None)
        if tag is None:
            raise not_found("Tag", path["tag_id"])
        for child in data.tags.values():
            if child.parent_id == tag.id:
                child.parent_id = None
        data.onboarding.category_tag_ids = [
            i for i in data.onboarding.category_tag_ids if i != tag.id
        ]
        data.untag_everywhere(tag.id)
        return empty(200)
