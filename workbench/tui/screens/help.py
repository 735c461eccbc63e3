"""The help screen (`?`): keys, the filter language, and where things are kept."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown
from textual_fastdatatable.data_table import DataTable

from workbench.tui.base import TITLES
from workbench.tui.commands import action_key, actions_markdown, keys_markdown
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.tags import TagsPane

HELP = """\
# Feedback workbench

## Keys

| key | what it does |
|---|---|
| `{app:show_pane('accounts')}`-`{app:show_pane('dashboard')}` | {panes} |
| `{app:focus_filter}` | type a filter |
| `{palette}` | command palette: every action by name |
| `{app:export}` | export the current view's rows (with the filter) to CSV |
| `{table:copy_selection}` | copy the selected cells as TSV (`shift`+arrows select) |
| `{table:select_cursor}` | open the response or end user under the cursor |
| `{app:save_filter}` / `{app:load_filter}` | save / load a named filter |
| `{app:reload}` | read the store again |
| `{accounts:sync_selected}` / `{accounts:sync_all}` | \
(Accounts) sync the selected account / all accounts |
| `{accounts:add}` `{accounts:edit}` `{accounts:remove}` | (Accounts) add, edit, remove an account |
| `{tags:pick('any')}` `{tags:pick('all')}` `{tags:pick('none')}` `{tags:pick('drop')}` | \
(Tags) add the tag as any of / all of / none of, or remove it |
| `{app:change_theme}` | change the theme |
| `{app:help}` | this help · `{app:quit}` quit |

## Tables

In every table (Responses, End users, Tags, Surveys); a click on a header sorts by it too.
Each is also in the command palette.

{table_keys}

## Actions

Each acts on the rows the filter selects (or the tag, survey or account under the cursor):
first its plan, then `Do it` sends it. Each is in the command palette as "Action: ...",
with "Action: Log in to Crowdskout" (the browser login of `workbench auth`).

{action_keys}

## The filter language

The same words work in `workbench export --filter` and in notebooks.

- `tag:A,B` any of the tags · `tags-all:A,B` all of them · `-tag:C` none of them
- `metric:nps score:0-6` (a range needs `metric:` when the rows hold several metrics)
- bands, each of its own metric only: `score:detractors|passives|promoters` (NPS),
  `score:dissatisfied|neutral|satisfied` (CSAT), `score:disagree|neutral|agree` (CES)
- `since:2025-01-01` `until:2025-03-31` `last:90d`
- `account:acme` `platform:cxi` · `excluded:exclude|only` (excluded responses are listed
  by default, `excluded:include`, and never counted)
- `plan=Enterprise` `revenue>=5000` `country in (US,UK)` (properties and columns)
- words or `"quoted phrases"` are searched in comments; `-"refund"` excludes

Each part shows as a chip under the bar; press a chip to remove that part.
Dates are calendar days in UTC, as in the CLI.

## Numbers

Every number comes from the analysis core: NPS with an adjusted-Wald interval, CSAT as the
share of 4-5 with a Wilson interval, CES as the mean with a t interval. Responses flagged
"excluded from calculations" are listed but not counted. Trend points and segments with
fewer than 30 responses are marked too small.
"""


def help_text(app: Any) -> str:
    """The help, every key read from the bindings that define it (`{where:action}`)."""
    sources: dict[str, Iterable[BindingType]] = {
        "app": type(app).BINDINGS,
        "table": DataTable.BINDINGS,
        "accounts": AccountsPane.BINDINGS,
        "tags": TagsPane.BINDINGS,
    }
    named = {
        "panes": ", ".join(TITLES),
        "palette": app.COMMAND_PALETTE_BINDING,
        "table_keys": keys_markdown(app),
        "action_keys": actions_markdown(app),
    }
    keys = re.sub(r"\{(\w+):([^}]+)\}", lambda m: action_key(sources[m[1]], m[2]), HELP)
    return re.sub(r"\{(\w+)\}", lambda m: named[m[1]], keys)


class HelpScreen(ModalScreen[None]):
    """Closes with escape, `?` or `q`."""

    AUTO_FOCUS = "*"  # the app autofocuses nothing; a dialog focuses its first field
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog wide"):
            yield Markdown(help_text(self.app))
