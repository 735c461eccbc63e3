"""The words of the synthetic dataset: segments, tags and comments that agree with each other.

Every platform module draws from these tables, so that a tag called PERFORMANCE means the same
thing on Wootric and CXI, and a comment tagged PRICING talks about price. Each comment template
carries its tags and a score range; a generator picks a score first, then a template that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

PLANS = ("Free", "Lite", "Small Business", "Enterprise")
PLAN_WEIGHTS = (0.30, 0.30, 0.25, 0.15)
PLAN_NPS_SHIFT = {"Free": -0.9, "Lite": -0.3, "Small Business": 0.2, "Enterprise": 0.8}
"""Added to the mean score of each plan: Enterprise customers are happier, Free ones less so."""

PERSONAS = ("Individual", "Business User", "Administrator", "Developer")
PERSONA_WEIGHTS = (0.35, 0.30, 0.20, 0.15)
PRODUCT_PLANS = ("Web", "Mobile", "Desktop")
PRODUCT_PLAN_WEIGHTS = (0.5, 0.35, 0.15)
COUNTRIES = ("US", "UK", "DE", "FR", "CA", "AU", "BR", "IN", "JP", "ES")
COUNTRY_WEIGHTS = (0.34, 0.12, 0.10, 0.08, 0.08, 0.06, 0.06, 0.07, 0.05, 0.04)
REVENUE_BY_PLAN = {"Free": 0, "Lite": 1_200, "Small Business": 5_000, "Enterprise": 48_000}

FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Liam", "Mei", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Kowalski", "Nguyen", "Okafor", "Rossi", "Tanaka", "Müller", "Silva",
    "Haddad", "Johansson", "Patel", "Dubois", "Kim", "Novak", "O'Brien",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "corp.example")


@dataclass(frozen=True)
class TagSpec:
    name: str
    sentiment: str  # positive | negative | neutral
    parent: str | None
    terms: tuple[str, ...]  # words a text_match tag would look for


TAGS: tuple[TagSpec, ...] = (
    TagSpec("PRODUCT", "neutral", None, ()),
    TagSpec("PERFORMANCE", "negative", "PRODUCT", ("slow", "lag", "crash")),
    TagSpec("UX", "positive", "PRODUCT", ("easy", "intuitive", "design")),
    TagSpec("FEATURES", "neutral", "PRODUCT", ("feature", "missing", "export")),
    TagSpec("RELIABILITY", "negative", "PRODUCT", ("outage", "down", "bug")),
    TagSpec("SERVICE", "neutral", None, ()),
    TagSpec("SUPPORT", "positive", "SERVICE", ("support", "helpful", "agent")),
    TagSpec("CALL", "negative", "SERVICE", ("call", "phone", "hold")),
    TagSpec("ONBOARDING", "positive", "SERVICE", ("onboarding", "setup", "training")),
    TagSpec("COMMERCIAL", "neutral", None, ()),
    TagSpec("PRICING", "negative", "COMMERCIAL", ("price", "expensive", "cost")),
    TagSpec("BILLING", "negative", "COMMERCIAL", ("invoice", "billing", "charged")),
    TagSpec("VALUE", "positive", "COMMERCIAL", ("worth", "value", "roi")),
)


@dataclass(frozen=True)
class CommentTemplate:
    text: str
    tags: tuple[str, ...]
    low: int  # the lowest 0-10 score this comment is written for
    high: int  # the highest


COMMENTS: tuple[CommentTemplate, ...] = (
    # detractors (0-6)
    CommentTemplate("Better performance would mean a higher score. Site is often slow.", ("PERFORMANCE",), 0, 6),
    CommentTemplate("The dashboard takes forever to load, and it crashed twice this week.", ("PERFORMANCE", "RELIABILITY"), 0, 5),
    CommentTemplate("Customer support STILL hasn't gotten back to me.", ("SUPPORT", "CALL"), 0, 4),
    CommentTemplate("I was on hold for 40 minutes on the phone, then the call dropped.", ("CALL",), 0, 5),
    CommentTemplate("Way too expensive for what it does. The price went up again.", ("PRICING",), 0, 6),
    CommentTemplate("I was charged twice and the invoice is still wrong.", ("BILLING",), 0, 4),
    CommentTemplate("Another outage during our busiest hour. We can't rely on it.", ("RELIABILITY",), 0, 5),
    CommentTemplate("The export feature is missing the fields we need, so we copy data by hand.", ("FEATURES",), 2, 6),
    CommentTemplate("Setup was confusing and the onboarding \"training\" was a slide deck.", ("ONBOARDING",), 1, 6),
    CommentTemplate("Slow, buggy, and the new pricing is hard to justify, sorry.", ("PERFORMANCE", "PRICING"), 0, 4),
    CommentTemplate("Not worth the cost for a team of our size.", ("PRICING", "VALUE"), 2, 6),
    CommentTemplate("Meh.", (), 3, 6),
    # passives (7-8)
    CommentTemplate("Cool site.", ("UX",), 7, 8),
    CommentTemplate("Good service, but the app gets slow with big reports.", ("PERFORMANCE",), 6, 8),
    CommentTemplate("Does the job. I'd like an API export, though.", ("FEATURES",), 6, 8),
    CommentTemplate("Fine overall; pricing could be simpler.", ("PRICING",), 6, 8),
    CommentTemplate("Support was helpful once I reached them.", ("SUPPORT",), 6, 8),
    CommentTemplate("Solid, a few bugs here and there.", ("RELIABILITY",), 6, 8),
    CommentTemplate("Good value, the mobile app needs work.", ("VALUE", "UX"), 7, 8),
    CommentTemplate("OK", (), 6, 8),
    # promoters (9-10)
    CommentTemplate("Great service.", ("SUPPORT",), 9, 10),
    CommentTemplate("Awesome service! The whole world should know about you guys.", ("SUPPORT",), 9, 10),
    CommentTemplate("Nice app. So easy to use, the design is intuitive.", ("UX",), 8, 10),
    CommentTemplate("Onboarding was smooth and the training sessions were excellent.", ("ONBOARDING",), 8, 10),
    CommentTemplate("Worth every penny: we saw ROI within a quarter.", ("VALUE",), 9, 10),
    CommentTemplate("Fast, reliable, and support answers within minutes. 👍", ("PERFORMANCE", "SUPPORT"), 9, 10),
    CommentTemplate("Love the new export feature, it saves me hours every week!", ("FEATURES",), 8, 10),
    CommentTemplate("Best tool we've bought this year, hands down.", ("VALUE",), 9, 10),
    CommentTemplate("Never had an outage. Rock solid, \"just works\".", ("RELIABILITY",), 9, 10),
    CommentTemplate("", (), 0, 10),
)  # fmt: skip

SURVEY_QUESTIONS = (
    ("How satisfied are you with the app?", ("Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied")),
    ("Which feature do you use most?", ("Reports", "Dashboards", "Exports", "Alerts")),
    ("How did you hear about us?", ("Search", "A friend", "An ad", "A conference", "Other")),
    ("Would you like a call from our team?", ("Yes", "No")),
)  # fmt: skip


def comment_for(score: int, pick: float) -> CommentTemplate:
    """The template for a 0-10 score, chosen by `pick` in [0, 1) among those that fit."""
    fitting = [c for c in COMMENTS if c.low <= score <= c.high]
    return fitting[min(int(pick * len(fitting)), len(fitting) - 1)]


def templates_by_score() -> dict[int, tuple[int, ...]]:
    """For each score 0-10, the indexes into COMMENTS that fit it (for vectorised generators)."""
    return {s: tuple(i for i, c in enumerate(COMMENTS) if c.low <= s <= c.high) for s in range(11)}


def rescale(score_0_10: int, low: int, high: int) -> int:
    """A 0-10 score mapped onto another scale (CSAT 1-5, CES 1-7), keeping its sentiment."""
    return low + round(score_0_10 / 10 * (high - low))
