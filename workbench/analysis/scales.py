"""The metric scales and their bands, defined once and written into every output.

Why bands are data and not constants: teams disagree (a 1-5 CSAT where only 5 counts, a CES
read as 6-7 agreeing), and a number is only comparable with another computed on the same bands.
So every metric takes its scale as an argument, and every result carries `scale.describe()` in a
`scale` column.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, model_validator

NpsBandName = Literal["detractors", "passives", "promoters"]
NPS_BAND_NAMES: Final[tuple[NpsBandName, ...]] = ("detractors", "passives", "promoters")


class Band(BaseModel):
    """An inclusive range of scores, e.g. 9-10."""

    model_config = ConfigDict(frozen=True)

    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.low > self.high:
            raise ValueError(f"a band runs low to high; {self.low}-{self.high} does not")
        return self

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


class _Scale(BaseModel):
    model_config = ConfigDict(frozen=True)

    low: int
    high: int

    def _check_within(self, **bands: Band) -> None:
        if self.low >= self.high:
            raise ValueError(f"a scale runs low to high; {self.low}-{self.high} does not")
        for name, band in bands.items():
            if band.low < self.low or band.high > self.high:
                raise ValueError(f"{name} {band} lies outside the scale {self.low}-{self.high}")


class NpsScale(_Scale):
    """Likelihood to recommend: 0-10, detractors 0-6, passives 7-8, promoters 9-10 by default."""

    low: int = 0
    high: int = 10
    detractors: Band = Band(low=0, high=6)
    passives: Band = Band(low=7, high=8)
    promoters: Band = Band(low=9, high=10)

    @model_validator(mode="after")
    def _consistent(self) -> NpsScale:
        self._check_within(
            detractors=self.detractors, passives=self.passives, promoters=self.promoters
        )
        if not self.detractors.high < self.passives.low <= self.passives.high < self.promoters.low:
            raise ValueError("NPS bands must be detractors < passives < promoters, not overlapping")
        return self

    def band(self, name: NpsBandName) -> Band:
        return {"detractors": self.detractors, "passives": self.passives}.get(name, self.promoters)

    def describe(self) -> str:
        return (
            f"nps {self.low}-{self.high}: detractors {self.detractors}, "
            f"passives {self.passives}, promoters {self.promoters}"
        )


class CsatScale(_Scale):
    """Satisfaction: 1-5, satisfied = 4-5 (top-2-box) by default."""

    low: int = 1
    high: int = 5
    satisfied: Band = Band(low=4, high=5)

    @model_validator(mode="after")
    def _consistent(self) -> CsatScale:
        self._check_within(satisfied=self.satisfied)
        return self

    def describe(self) -> str:
        return f"csat {self.low}-{self.high}: satisfied {self.satisfied}"


class CesScale(_Scale):
    """Customer effort (CES 2.0): 1-7, agreeing = 5-7 by default."""

    low: int = 1
    high: int = 7
    agree: Band = Band(low=5, high=7)

    @model_validator(mode="after")
    def _consistent(self) -> CesScale:
        self._check_within(agree=self.agree)
        return self

    def describe(self) -> str:
        return f"ces {self.low}-{self.high}: agree {self.agree}"


NPS: Final = NpsScale()
CSAT: Final = CsatScale()
CES: Final = CesScale()

Scale = NpsScale | CsatScale | CesScale
