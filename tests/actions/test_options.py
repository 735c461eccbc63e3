"""Options the faces pass on as **kwargs (TypedDicts): a misspelt one fails as a misspelt
keyword argument would, before anything is read or planned."""

from __future__ import annotations

import polars as pl
import pytest

from workbench.data.actions import cxi, wootric_people


def test_a_misspelt_survey_option_is_refused() -> None:
    with pytest.raises(TypeError, match=r"'subjct'.*subject"):
        wootric_people.email_survey_plans(pl.DataFrame(), subjct="Hello")  # type: ignore[call-arg]


def test_a_misspelt_onboarding_detail_is_refused() -> None:
    with pytest.raises(TypeError, match="'project_nme'"):
        cxi.onboarding_plan("acme-cxi", "1", project_nme="Web")  # type: ignore[call-arg]


def test_onboarding_details_keep_their_order_and_drop_none() -> None:
    plan = cxi.onboarding_plan("acme-cxi", "1", import_name="Jan", project_name="Web")
    assert "(project name 'Web', import name 'Jan')" in plan.summary
    assert dict(plan.params) == {
        "product_category_id": "1",
        "project_name": "Web",
        "import_name": "Jan",
    }
