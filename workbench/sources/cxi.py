"""The Wootric CXI API: every documented write, on top of the reads of `cxi_reads.CxiReader`.

CXI shares Wootric's OAuth endpoint (a `WootricOAuth` with the CXI account's token) and answers
424 to everything but `/v1/onboarding` until the account is onboarded; `errors.py` turns that
into `OnboardingRequired`, whose message says to complete the flow (here: `complete_onboarding`).

Lists and reads, and the complete response read past the 30-page caps, are in `cxi_reads.py`.
Writes send Rails form fields as the docs' curl examples do
(`tag[text_match_terms][]=...`, `import[tag_names][0]=...`); the CSV upload is multipart.

CSV imports are checked before anything is uploaded (`validate_import_csv`, in `cxi_csv.py`),
because the API refuses a whole file for one bad cell and a local check can name every problem
at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict, Unpack

from workbench.sources.cxi_csv import CsvSource, content_problems, problems_message, read_source
from workbench.sources.cxi_reads import CxiReader, path_segment
from workbench.sources.errors import InvalidRequest
from workbench.sources.forms import FormValue, check_keywords, rails_form
from workbench.sources.models.cxi import ImportDetail, Onboarding, Project, Tag

MetricName = Literal["nps", "csat", "ces", "other"]


class OnboardingDetails(TypedDict, total=False):
    """The optional project and first-import details the onboarding flow takes with its
    product category (each step and the whole flow take the same ones)."""

    project_name: str | None
    import_name: str | None
    import_source: str | None
    import_metric_type: str | None
    import_language: str | None


def _metric(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("nps", "csat", "ces", "other"):
        raise ValueError(f"metric_type is nps, csat, ces or other, not {value!r}")
    return lowered


# --- the client --------------------------------------------------------------------------------


class TagChanges(TypedDict, total=False):
    """What `update_tag` changes (None or absent: left as it is); `create_tag` sets the same."""

    name: str | None
    description: str | None
    mode: Literal["manual", "text_match"] | None
    parent_id: str | int | None
    text_match_terms: Sequence[str] | None
    filter_rules: Mapping[str, Any] | None


class CxiClient(CxiReader):
    """One Wootric CXI account: the reads of `CxiReader`, and every documented write."""

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self.http.request(method, path, **kwargs))[1]

    # --- onboarding ------------------------------------------------------------------------

    async def get_onboarding(self) -> Onboarding:
        """The account's onboarding status; for an account not onboarded yet, the product
        categories to choose from. (The one endpoint that never answers 424.)"""
        return self._onboarding(await self.http.get("v1/onboarding"))

    def _onboarding(self, body: Any) -> Onboarding:
        return Onboarding.model_validate(self._expect(body, dict, "v1/onboarding"))

    async def update_onboarding(
        self,
        *,
        product_category_id: int | str | None = None,
        onboarded: bool | None = None,
        **details: Unpack[OnboardingDetails],
    ) -> Onboarding:
        """One step of the onboarding flow (`PUT /v1/onboarding`); only while not onboarded."""
        check_keywords("update_onboarding", details, OnboardingDetails.__optional_keys__)
        fields = rails_form(
            {
                "product_category_id": product_category_id,
                "onboarded": onboarded,
                "project": {"name": details.get("project_name")},
                "import": {
                    "name": details.get("import_name"),
                    "source": details.get("import_source"),
                    "metric_type": details.get("import_metric_type"),
                    "language": details.get("import_language"),
                },
            }
        )
        if not fields:
            raise ValueError("update_onboarding needs at least one field to change")
        return self._onboarding(await self._send("PUT", "v1/onboarding", data=fields))

    async def complete_onboarding(
        self,
        product_category_id: int | str | None = None,
        **details: Unpack[OnboardingDetails],
    ) -> Onboarding:
        """The whole flow, as the docs walk it: choose a product category (with the optional
        project and import details), then set `onboarded=true`. An account that is already
        onboarded is left alone, since the endpoint refuses changes once it is."""
        check_keywords("complete_onboarding", details, OnboardingDetails.__optional_keys__)
        status = await self.get_onboarding()
        if status.onboarded:
            return status
        chosen = product_category_id
        if chosen is None and status.product_category_id is None:
            choices = ", ".join(f"{c.id} {c.name}" for c in status.product_categories)
            raise ValueError(
                "onboarding needs a product category; choose one of: " + (choices or "(none)")
            )
        if chosen is not None or any(v is not None for v in details.values()):
            await self.update_onboarding(product_category_id=chosen, **details)
        finished = await self.update_onboarding(onboarded=True)
        if not finished.onboarded:
            finished = await self.get_onboarding()
        if not finished.onboarded:
            raise InvalidRequest(
                "PUT /v1/onboarding accepted onboarded=true but the account is still not "
                "onboarded; finish the flow in the Wootric app",
                account=self.http.account,
            )
        return finished

    async def create_project(self, name: str) -> Project:
        body = await self._send("POST", "v1/projects", data=rails_form({"name": name}, "project"))
        return Project.model_validate(self._expect(body, dict, "v1/projects"))

    async def update_project(self, project_id: str | int, name: str) -> Project:
        path = f"v1/projects/{path_segment(project_id)}"
        body = await self._send("PUT", path, data=rails_form({"name": name}, "project"))
        return Project.model_validate(self._expect(body, dict, path))

    # --- tags ----------------------------------------------------------------------------------

    async def create_tag(
        self,
        name: str,
        *,
        mode: Literal["manual", "text_match"] = "manual",
        description: str | None = None,
        parent_id: str | int | None = None,
        text_match_terms: Sequence[str] | None = None,
        filter_rules: Mapping[str, Any] | None = None,
    ) -> Tag:
        """A manual or text-match tag (smart tags come only from the product category)."""
        if not name.strip():
            raise ValueError("a tag needs a name")
        if mode not in ("manual", "text_match"):
            raise ValueError(f"only manual and text_match tags can be created, not {mode!r}")
        fields = self._tag_fields(
            TagChanges(
                name=name,
                mode=mode,
                description=description,
                parent_id=parent_id,
                text_match_terms=text_match_terms,
                filter_rules=filter_rules,
            )
        )
        body = await self._send("POST", "v1/tags", data=fields)
        return Tag.model_validate(self._expect(body, dict, "v1/tags"))

    async def update_tag(self, tag_id: str | int, **changes: Unpack[TagChanges]) -> Tag:
        """Changes the fields given; `text_match_terms` replaces the whole list."""
        check_keywords("update_tag", changes, TagChanges.__optional_keys__)
        mode = changes.get("mode")
        if mode is not None and mode not in ("manual", "text_match"):
            raise ValueError(f"a tag's mode can be set to manual or text_match, not {mode!r}")
        fields = self._tag_fields(changes)
        if not fields:
            raise ValueError("update_tag needs at least one field to change")
        path = f"v1/tags/{path_segment(tag_id)}"
        body = await self._send("PUT", path, data=fields)
        return Tag.model_validate(self._expect(body, dict, path))

    @staticmethod
    def _tag_fields(tag: TagChanges) -> dict[str, FormValue]:
        mode, terms, rules = tag.get("mode"), tag.get("text_match_terms"), tag.get("filter_rules")
        if terms is not None:
            if isinstance(terms, str):
                raise ValueError("text_match_terms is a list of terms, not one string")
            if len(terms) > 100:
                raise ValueError(f"a tag takes at most 100 text_match_terms, not {len(terms)}")
        if mode == "manual" and (terms or rules):
            raise ValueError("text_match_terms and filter_rules only apply to text_match tags")
        return rails_form(
            {
                "name": tag.get("name"),
                "description": tag.get("description"),
                "mode": mode,
                "parent_id": tag.get("parent_id"),
                "text_match_terms": list(terms) if terms is not None else None,
                "filter_rules": rules,
            },
            "tag",
        )

    async def delete_tag(self, tag_id: str | int) -> None:
        await self._send("DELETE", f"v1/tags/{path_segment(tag_id)}")

    async def create_import(
        self, csv_file: CsvSource, *, filename: str | None = None
    ) -> ImportDetail:
        """Uploads a CSV file as a new import, after checking it locally.

        If `validate_import_csv` finds anything, InvalidRequest lists the problems (the first
        20 and a count) and nothing is sent. The import is named after the file (`filename`
        overrides it; bytes are named import.csv); set its name, metric type and source with
        `update_import`. A UTF-8 byte order mark is removed before the upload.
        """
        name, content, problems = read_source(csv_file)
        if content is not None:
            problems += content_problems(content)
        if problems or content is None:
            raise InvalidRequest(
                problems_message(filename or name, problems), account=self.http.account
            )
        files = {"file": (filename or name, content, "text/csv")}
        body = await self._send("POST", "v1/imports", files=files)
        return ImportDetail.model_validate(self._expect(body, dict, "v1/imports"))

    async def update_import(
        self,
        import_id: str | int,
        *,
        name: str | None = None,
        source: str | None = None,
        metric_type: MetricName | str | None = None,
        language: str | None = None,
        secondary_product_category_id: str | int | None = None,
        tag_names: Sequence[str] | None = None,
        project_ids: Sequence[str | int] | None = None,
    ) -> ImportDetail:
        """Sets an import's metadata; `tag_names` and `project_ids` (which must exist) are
        applied to every response of the import."""
        fields = rails_form(
            {
                "name": name,
                "source": source,
                "metric_type": _metric(metric_type),
                "language": language,
                "secondary_product_category_id": secondary_product_category_id,
                "tag_names": list(tag_names) if tag_names is not None else None,
                "project_ids": list(project_ids) if project_ids is not None else None,
            },
            "import",
            indexed=True,
        )
        if not fields:
            raise ValueError("update_import needs at least one field to change")
        path = f"v1/imports/{path_segment(import_id)}"
        body = await self._send("PUT", path, data=fields)
        return ImportDetail.model_validate(self._expect(body, dict, path))

    async def delete_import(self, import_id: str | int) -> None:
        """Deletes the import and every response in it (202: the API finishes it later)."""
        await self._send("DELETE", f"v1/imports/{path_segment(import_id)}")

    # --- exports -------------------------------------------------------------------------------

    async def create_export(self, export_type: Literal["responses", "users"] = "responses") -> None:
        """Asks CXI to e-mail a CSV export to the requesting user (only one may run at a time;
        asking while one runs is refused with the server's message)."""
        if export_type not in ("responses", "users"):
            raise ValueError(f"export_type is responses or users, not {export_type!r}")
        await self._send("POST", "v1/exports", data={"export_type": export_type})


__all__ = ["CxiClient"]
