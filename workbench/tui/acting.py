"""The write actions of the TUI: which pane offers each, on which key, and the plans they build.

Defined once here: the panes take their bindings from `bindings(pane)`, the app runs them
through `action_act(name)` (`workbench.tui.acts`), and the palette and the help list them from
the same bindings. Every action acts on the rows the filter in effect selects (what the pane
lists), or on the tag, survey or account under the cursor, and goes through `ActionPlanScreen`:
the plan first, then the person's go, then the run.

What an action is (`PaneAction`, `Context`, `Field`) is `workbench.tui.action_specs`; the checks,
questions and plan builders are `workbench.tui.action_builds`.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding

from workbench.tui import action_builds as b
from workbench.tui.action_builds import onboarding_fields
from workbench.tui.action_specs import Build, Context, Field, PaneAction

__all__ = [
    "ACTIONS",
    "BY_NAME",
    "PANE_TITLES",
    "Context",
    "Field",
    "PaneAction",
    "bindings",
    "onboarding_fields",
]


def _on_tag(
    name: str,
    key: str,
    title: str,
    build: Build,
    fields: Callable[[Context], list[Field]] | None = None,
) -> PaneAction:
    """An action on the tag under the cursor of Tags (in one of the CXI accounts storing it)."""
    extra = fields or (lambda ctx: [])
    return PaneAction(
        name, "tags", key, title, build, b.tag_check, b.tag_fields(extra), current="tag", live=True
    )


ON_PLATFORM = {
    "exclude": ("wootric", "Wootric responses", b.EXCLUSION_NOTE),
    "include": ("wootric", "Wootric responses", b.EXCLUSION_NOTE),
    "archive": ("apptentive", "Apptentive records", b.ARCHIVE_NOTE),
    "unarchive": ("apptentive", "Apptentive records", b.ARCHIVE_NOTE),
}
"""The Responses actions on one platform's rows: that platform, what its rows are called, and
the note on the rows they leave alone."""


def _on_responses(name: str, key: str, title: str, build: Build) -> PaneAction:
    """An action on the filtered responses of one platform (`ON_PLATFORM`); Apptentive's read
    the records first."""
    platform, what, note = ON_PLATFORM[name]
    check = b.none_of(platform, what, name)
    live = platform == "apptentive"
    return PaneAction(name, "responses", key, title, build, check, live=live, note=note)


ACTIONS: tuple[PaneAction, ...] = (
    _on_responses("exclude", "x", "Exclude the filtered responses from calculations", b.exclude),
    _on_responses(
        "include", "i", "Include the filtered responses in calculations again", b.include
    ),
    _on_responses("archive", "A", "Archive the filtered Apptentive records", b.archive),
    _on_responses(
        "unarchive",
        "R",
        "Restore the filtered Apptentive records from the archive",
        b.unarchive,
    ),
    PaneAction(
        "email-survey",
        "responses",
        "m",
        "Survey the filtered responses' end users by e-mail",
        b.email_survey,
        b.people_check("the e-mail survey"),
        b.survey_fields,
    ),
    PaneAction("undo", "responses", "u", "Undo the last action that can be undone", b.undo),
    PaneAction(
        "tag-create",
        "tags",
        "c",
        "Create a CXI tag",
        b.create_tag,
        b.cxi_check,
        b.create_tag_fields,
        live=True,
    ),
    _on_tag("tag-edit", "e", "Edit the tag under the cursor", b.edit_tag, b.edit_tag_fields),
    _on_tag("tag-disable", "d", "Disable the tag under the cursor", b.toggle_tag(False)),
    _on_tag("tag-enable", "o", "Enable the tag under the cursor again", b.toggle_tag(True)),
    _on_tag("tag-delete", "delete", "Delete the tag under the cursor", b.delete_tag),
    _on_tag(
        "tag-apply",
        "p",
        "Apply the tag under the cursor to a CXI import",
        b.apply_tags,
        b.apply_tag_fields,
    ),
    PaneAction(
        "import",
        "surveys",
        "i",
        "Import a CSV file into a CXI account",
        b.import_csv,
        b.cxi_check,
        b.import_fields,
        live=True,
    ),
    PaneAction(
        "deactivate-survey",
        "surveys",
        "d",
        "Deactivate the Apptentive survey under the cursor",
        b.deactivate,
        b.survey_check,
        current="survey",
        live=True,
    ),
    PaneAction(
        "push",
        "end-users",
        "p",
        "Push the filtered responses' people to a Crowdskout attribute",
        b.push,
        b.push_check,
        b.push_fields,
        live=True,
    ),
    PaneAction(
        "set-property",
        "end-users",
        "s",
        "Set a property on the filtered end users",
        b.set_property,
        b.people_check("set property"),
        b.property_fields,
    ),
    PaneAction(
        "erase",
        "end-users",
        "delete",
        "Erase the filtered end users with their responses",
        b.erase,
        b.people_check("erase"),
    ),
    PaneAction(
        "onboard",
        "accounts",
        "o",
        "Complete the CXI onboarding of the selected account",
        b.onboard,
        b.onboard_check,
        current="account",
        live=True,
    ),
)

BY_NAME = {action.name: action for action in ACTIONS}
PANE_TITLES = {
    "responses": "Responses",
    "tags": "Tags",
    "surveys": "Surveys",
    "end-users": "End users",
    "accounts": "Accounts",
}
"""The panes with actions, in the order the palette and the help list them."""


def bindings(pane: str) -> list[Binding]:
    """The keys of a pane's actions, for its BINDINGS (and from there the palette and help)."""
    return [
        Binding(a.key, f"app.act('{a.name}')", a.title, show=False)
        for a in ACTIONS
        if a.pane == pane
    ]
