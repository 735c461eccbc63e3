"""`workbench exclude` and `workbench include`: Wootric responses out of or back into the
calculations, on the rows a filter selects."""

from __future__ import annotations

from functools import partial

from workbench.cli.act import rows_command
from workbench.data.actions.wootric import exclusion_plans, not_excludable

_CANNOT = "{platform}'s API cannot exclude responses"

exclude = rows_command(
    "exclude",
    """Exclude the filtered Wootric responses from calculations (test answers, spam); undo with
    `workbench include` and the same filter.""",
    plans=partial(exclusion_plans, exclude=True),
    left_alone=not_excludable,
    why=_CANNOT,
)
include = rows_command(
    "include",
    """Include the filtered Wootric responses in calculations again (undoes `exclude`).""",
    plans=partial(exclusion_plans, exclude=False),
    left_alone=not_excludable,
    why=_CANNOT,
)
