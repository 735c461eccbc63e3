"""The metric scales and their bands, defined once and written into every output.

Why bands are data and not constants: teams disagree (a 1-5 CSAT where only 5 counts, a CES
read as 6-7 agreeing), and a number is only comparable with another computed on the same bands.
So every metric takes its scale as an argument, and every result carries `scale.describe()` in a
`scale` column.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

Metric = Literal["nps", "csat", "ces"]
SCALED_METRICS: Final[tuple[Metric, ...]] = ("nps", "csat", "ces")
"""The metrics with a defined scale; any other metric (`other`) has scores on a scale of its own."""

NpsBandName = Literal["detractors", "passives", "promoters"]
CsatBandName = Literal["dissatisfied", "neutral", "satisfied"]
CesBandName = Literal["disagree", "neutral", "agree"]
BandName = Literal[
    "detractors",
    "passives",
    "promoters",
    "dissatisfied",
    "neutral",
    "satisfied",
    "disagree",
    "agree",
]
NPS_BAND_NAMES: Final[tuple[NpsBandName, ...]] = ("detractors", "passives", "promoters")
CSAT_BAND_NAMES: Final[tuple[CsatBandName, ...]] = ("dissatisfied", "neutral", "satisfied")
CES_BAND_NAMES: Final[tuple[CesBandName, ...]] = ("disagree", "neutral", "agree")
BAND_NAMES: Final[tuple[BandName, ...]] = (
    *NPS_BAND_NAMES,
    "dissatisfied",
    "neutral",
    "satisfied",
    "disagree",
    "agree",
)
"""Every band name a filter accepts (`score:detractors`), low to high within each metric."""


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

    band_names: ClassVar[tuple[str, ...]] = ()
    """The names of the scale's bands (its fields), low to high."""
    metric: ClassVar[str] = ""
    described: ClassVar[tuple[str, ...]] = ()
    """The bands `describe` names: the ones the metric's figure is computed from."""

    low: int
    high: int

    def __init_subclass__(
        cls, *, metric: str = "", bands: tuple[str, ...] = (), described: tuple[str, ...] = ()
    ) -> None:
        """A scale names its metric and its bands in its class line, once; `described` (the
        bands its figure is computed from) defaults to them all."""
        super().__init_subclass__()
        if metric:
            cls.metric, cls.band_names, cls.described = metric, bands, described or bands

    def _check_within(self) -> None:
        if self.low >= self.high:
            raise ValueError(f"a scale runs low to high; {self.low}-{self.high} does not")
        for name, band in self.bands().items():
            if band.low < self.low or band.high > self.high:
                raise ValueError(f"{name} {band} lies outside the scale {self.low}-{self.high}")

    def _check_ordered(self) -> None:
        """Bands listed low to high must not overlap (a score is in one band at most)."""
        bands = self.bands()
        items = list(bands.items())
        for (lower, a), (upper, b) in pairwise(items):
            if not a.high < b.low:
                raise ValueError(
                    f"{lower} {a} and {upper} {b} overlap or are out of order; "
                    f"the bands run {', '.join(bands)} from low to high"
                )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_within()
        self._check_ordered()
        return self

    def bands(self) -> dict[str, Band]:
        """The named bands, low to high (`{"detractors": 0-6, ...}`)."""
        return {name: getattr(self, name) for name in self.band_names}

    def band(self, name: str) -> Band:
        """The band called `name`; KeyError when this scale has none of that name."""
        return self.bands()[name]

    def describe(self) -> str:
        """The scale as every result's `scale` column records it ("csat 1-5: satisfied 4-5")."""
        bands = ", ".join(f"{name} {self.band(name)}" for name in self.described)
        return f"{self.metric} {self.low}-{self.high}: {bands}"


class NpsScale(_Scale, metric="nps", bands=NPS_BAND_NAMES):
    """Likelihood to recommend: 0-10, detractors 0-6, passives 7-8, promoters 9-10 by default."""

    low: int = 0
    high: int = 10
    detractors: Band = Band(low=0, high=6)
    passives: Band = Band(low=7, high=8)
    promoters: Band = Band(low=9, high=10)

    @model_validator(mode="after")
    def _consistent(self) -> NpsScale:
        self._check_within()
        if not self.detractors.high < self.passives.low <= self.passives.high < self.promoters.low:
            raise ValueError("NPS bands must be detractors < passives < promoters, not overlapping")
        return self


class CsatScale(_Scale, metric="csat", bands=CSAT_BAND_NAMES, described=("satisfied",)):
    """Satisfaction: 1-5; dissatisfied 1-2, neutral 3, satisfied 4-5 (top-2-box) by default.

    The CSAT figure is the share satisfied; the other two bands name the rest for filters.
    """

    low: int = 1
    high: int = 5
    dissatisfied: Band = Band(low=1, high=2)
    neutral: Band = Band(low=3, high=3)
    satisfied: Band = Band(low=4, high=5)


class CesScale(_Scale, metric="ces", bands=CES_BAND_NAMES, described=("agree",)):
    """Customer effort (CES 2.0): 1-7; disagree 1-3, neutral 4, agree 5-7 by default.

    The CES figures are the mean and the share agreeing; the other bands name the rest.
    """

    low: int = 1
    high: int = 7
    disagree: Band = Band(low=1, high=3)
    neutral: Band = Band(low=4, high=4)
    agree: Band = Band(low=5, high=7)


NPS: Final = NpsScale()
CSAT: Final = CsatScale()
CES: Final = CesScale()

Scale = NpsScale | CsatScale | CesScale


class Scales(BaseModel):
    """One scale per metric: what `score:` means in a filter, band by band and metric by metric.

    Why one object: `score:detractors` is an NPS band and `score:neutral` is a band of both CSAT
    (3) and CES (4), so the filter needs every metric's scale to say which rows a band holds.
    """

    model_config = ConfigDict(frozen=True)

    nps: NpsScale = NPS
    csat: CsatScale = CSAT
    ces: CesScale = CES

    def of(self, metric: str) -> Scale | None:
        """The scale of `metric`, or None for a metric without one (`other`)."""
        return self._by_metric().get(metric)

    def metrics_of(self, band: str) -> tuple[Metric, ...]:
        """The metrics that have a band called `band` (`neutral`: csat and ces)."""
        return tuple(m for m in SCALED_METRICS if band in self._scale(m).bands())

    def band(self, name: str, metric: str) -> Band:
        """The band `name` of `metric`'s scale; KeyError when that scale has no such band."""
        scale = self.of(metric)
        if scale is None:
            raise KeyError(f"{metric} has no scale, so no band {name!r}")
        return scale.band(name)

    def _scale(self, metric: Metric) -> Scale:
        return self._by_metric()[metric]

    def _by_metric(self) -> dict[str, Scale]:
        return {"nps": self.nps, "csat": self.csat, "ces": self.ces}


SCALES: Final = Scales()
