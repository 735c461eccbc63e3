"""The synthetic Crowdskout dataset: profiles with their collections, field options, attributes.

The docs name collections and fields only by example (`Names,EmailAddresses,Ages`,
`PhysicalAddresses`, `AddressCity` filtered by `AddressRegion`); the full profile object page is
not part of them. The schema below follows that naming: collections in PascalCase plural, fields
in PascalCase, option-valued fields answered as `{"id": n, "value": "..."}`.

Profiles are generated vectorised and kept columnar: per collection, numpy arrays sorted by
profile id, so a profile's items are found with `searchsorted` and JSON is built only for the
profile being answered. Profile ids are sequential, 1..N, in creation order (there is no
listing endpoint, so this is how a client can learn them; the control route and the ground
truth expose them too). Item ids are sequential per collection, in profile order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.apptentive.data import ascii_local_part
from workbench.sandbox.web import iso_utc_time

TWO_YEARS = 2 * 365 * 86_400


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | option | integer | email | phone | postal | datetime | score
    parent: str | None = None  # option fields whose options depend on another field's option
    open: bool = False  # option fields that accept a new value (the docs: "not always exclusive")


COLLECTIONS: dict[str, tuple[FieldSpec, ...]] = {
    "Names": (
        FieldSpec("FullName", "text"),
        FieldSpec("NameTitle", "text"),
        FieldSpec("FirstName", "text"),
        FieldSpec("MiddleName", "text"),
        FieldSpec("LastName", "text"),
        FieldSpec("NameSuffix", "text"),
    ),
    "Genders": (FieldSpec("Gender", "option"),),
    "Ages": (FieldSpec("Age", "integer"),),
    "EmailAddresses": (FieldSpec("EmailAddress", "email"), FieldSpec("EmailType", "option")),
    "PhoneNumbers": (FieldSpec("PhoneNumber", "phone"), FieldSpec("PhoneType", "option")),
    "PhysicalAddresses": (
        FieldSpec("AddressLine1", "text"),
        FieldSpec("AddressCity", "option", parent="AddressRegion", open=True),
        FieldSpec("AddressCounty", "option", parent="AddressRegion"),
        FieldSpec("AddressRegion", "option"),
        FieldSpec("AddressPostalCode", "postal"),
    ),
    "Notes": (FieldSpec("Note", "text"), FieldSpec("NoteWhen", "datetime")),
    "SurveyResponses": (
        FieldSpec("SurveyName", "text"),
        FieldSpec("SurveyQuestion", "text"),
        FieldSpec("SurveyScore", "score"),
        FieldSpec("SurveyAnswer", "text"),
        FieldSpec("SurveyWhen", "datetime"),
    ),
    # The profile object's custom attributes (docs: "The Profile Object"): items of
    # `AttributeId`, `AttributeName`, `AttributeType`, `AttributeValue`, checked against the
    # organization's attributes (profiles.clean_attribute); none are generated.
    "Attributes": (),
}
ATTRIBUTES = "Attributes"

FIELD_COLLECTION = {spec.name: name for name, specs in COLLECTIONS.items() for spec in specs}
FIELDS = {spec.name: spec for specs in COLLECTIONS.values() for spec in specs}

GENDERS = ("Female", "Male", "Non-binary")
GENDER_WEIGHTS = (0.5, 0.47, 0.03)
EMAIL_TYPES = ("Personal", "Work")
PHONE_TYPES = ("Mobile", "Home", "Work")
PHONE_TYPE_WEIGHTS = (0.7, 0.2, 0.1)
NAME_TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.")
STREETS = (
    "Main St", "Oak Ave", "Maple Dr", "Washington Blvd", "Lakeview Rd", "Cedar Ln", "Park Ave",
    "Elm St", "Highland Ave", "River Rd",
)  # fmt: skip
NPS_QUESTION = "How likely are you to recommend us to a friend or colleague?"
SURVEY_NAMES = ("Quarterly NPS", "Post-event NPS", "Volunteer NPS")

REGIONS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Illinois", "312", (
        ("Chicago", "Cook", "606"), ("Evanston", "Cook", "602"), ("Naperville", "DuPage", "605"),
        ("Waukegan", "Lake", "600"), ("Springfield", "Sangamon", "627"),
    )),
    ("California", "415", (
        ("Los Angeles", "Los Angeles", "900"), ("San Diego", "San Diego", "921"),
        ("Oakland", "Alameda", "946"), ("Berkeley", "Alameda", "947"),
        ("Sacramento", "Sacramento", "958"),
    )),
    ("New York", "212", (
        ("New York", "New York", "100"), ("Brooklyn", "Kings", "112"),
        ("Buffalo", "Erie", "142"), ("Albany", "Albany", "122"),
    )),
    ("Texas", "512", (
        ("Houston", "Harris", "770"), ("Austin", "Travis", "787"), ("Dallas", "Dallas", "752"),
        ("San Antonio", "Bexar", "782"),
    )),
    ("Virginia", "703", (
        ("Fairfax", "Fairfax", "220"), ("Arlington", "Arlington", "222"),
        ("Richmond", "Richmond City", "232"), ("Charlottesville", "Albemarle", "229"),
    )),
    ("Ohio", "614", (
        ("Columbus", "Franklin", "432"), ("Cleveland", "Cuyahoga", "441"),
        ("Cincinnati", "Hamilton", "452"),
    )),
    ("Georgia", "404", (
        ("Atlanta", "Fulton", "303"), ("Decatur", "DeKalb", "300"), ("Savannah", "Chatham", "314"),
    )),
    ("Washington", "206", (
        ("Seattle", "King", "981"), ("Tacoma", "Pierce", "984"), ("Spokane", "Spokane", "992"),
    )),
)  # fmt: skip
"""(state, area code, ((city, county, zip prefix), ...)): addresses agree with themselves."""
REGION_WEIGHTS = (0.16, 0.2, 0.16, 0.14, 0.1, 0.08, 0.08, 0.08)


@dataclass
class Option:
    id: int
    value: str
    parent: int | None = None  # the parent field's option id, for dependent fields

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "value": self.value}


def base_options() -> dict[str, list[Option]]:
    """Every option-valued field's options; county and city options depend on the region."""
    options: dict[str, list[Option]] = {
        "Gender": [Option(i + 1, v) for i, v in enumerate(GENDERS)],
        "EmailType": [Option(i + 1, v) for i, v in enumerate(EMAIL_TYPES)],
        "PhoneType": [Option(i + 1, v) for i, v in enumerate(PHONE_TYPES)],
        "AddressRegion": [Option(i + 1, r[0]) for i, r in enumerate(REGIONS)],
        "AddressCounty": [],
        "AddressCity": [],
    }
    for region_index, (_, _, places) in enumerate(REGIONS):
        for city, county, _ in places:
            counties = options["AddressCounty"]
            if not any(o.value == county and o.parent == region_index + 1 for o in counties):
                counties.append(Option(len(counties) + 1, county, region_index + 1))
            options["AddressCity"].append(
                Option(len(options["AddressCity"]) + 1, city, region_index + 1)
            )
    return options


PLACES = [
    (region_index, city_index, county, prefix)
    for region_index, (_, _, places) in enumerate(REGIONS)
    for city_index, (_, county, prefix) in enumerate(places)
]
"""Every (region, city) pair flattened, so an address is one index into this list."""


def _place_option_ids() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each PLACES entry: its region, county and city option ids."""
    options = base_options()
    region, county, city = [], [], []
    for region_index, (_, _, places) in enumerate(REGIONS):
        for city_name, county_name, _ in places:
            region.append(region_index + 1)
            county.append(
                next(
                    o.id
                    for o in options["AddressCounty"]
                    if o.value == county_name and o.parent == region_index + 1
                )
            )
            city.append(
                next(
                    o.id
                    for o in options["AddressCity"]
                    if o.value == city_name and o.parent == region_index + 1
                )
            )
    return np.array(region), np.array(county), np.array(city)


PLACE_REGION, PLACE_COUNTY, PLACE_CITY = _place_option_ids()
PLACE_START = np.cumsum([0] + [len(places) for _, _, places in REGIONS])[:-1]
PLACE_COUNT = np.array([len(places) for _, _, places in REGIONS])


@dataclass
class CollectionColumns:
    """One collection's generated items: the owning profile (sorted) and one array per field."""

    profile: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def rows_of(self, profile_id: int) -> range:
        lo = int(np.searchsorted(self.profile, profile_id, side="left"))
        hi = int(np.searchsorted(self.profile, profile_id, side="right"))
        return range(lo, hi)


@dataclass
class ProfileColumns:
    """Generated profiles `first_id .. first_id + count - 1`, columnar."""

    first_id: int
    count: int
    first: np.ndarray  # per profile, index into FIRST_NAMES (emails are made from the name)
    last: np.ndarray
    collections: dict[str, CollectionColumns]

    def holds(self, profile_id: int) -> bool:
        return self.first_id <= profile_id < self.first_id + self.count


def _repeat(ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.repeat(ids, counts)


def generate_profiles(
    rng: np.random.Generator, count: int, first_id: int, start: float, end: float
) -> ProfileColumns:
    """`count` profiles, as a field team's CRM holds them: everyone has a name, most an email,
    many a phone and an address; some have notes and NPS survey answers."""
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    first = rng.integers(0, len(vocab.FIRST_NAMES), count)
    last = rng.integers(0, len(vocab.LAST_NAMES), count)
    home = rng.choice(len(REGIONS), count, p=REGION_WEIGHTS)  # phones and address agree
    cols: dict[str, CollectionColumns] = {}

    titled = rng.random(count) < 0.2
    cols["Names"] = CollectionColumns(
        ids,
        {
            "first": first,
            "last": last,
            "title": np.where(titled, rng.integers(0, len(NAME_TITLES), count), -1),
            "middle": np.where(rng.random(count) < 0.3, rng.integers(0, 26, count), -1),
        },
    )
    gendered = ids[rng.random(count) < 0.85]
    cols["Genders"] = CollectionColumns(
        gendered, {"gender": rng.choice(len(GENDERS), len(gendered), p=GENDER_WEIGHTS)}
    )
    aged = ids[rng.random(count) < 0.7]
    ages = np.clip(rng.normal(46, 16, len(aged)), 18, 95).astype(np.int64)
    cols["Ages"] = CollectionColumns(aged, {"age": ages})

    emails = rng.choice(3, count, p=(0.15, 0.65, 0.2))
    email_owner = _repeat(ids, emails)
    second = np.zeros(len(email_owner), dtype=bool)
    second[1:] = email_owner[1:] == email_owner[:-1]
    cols["EmailAddresses"] = CollectionColumns(
        email_owner,
        {
            "work": second,
            "domain": rng.integers(0, len(vocab.EMAIL_DOMAINS) - 1, len(email_owner)),
        },
    )

    phones = rng.choice(3, count, p=(0.35, 0.5, 0.15))
    phone_owner = _repeat(ids, phones)
    cols["PhoneNumbers"] = CollectionColumns(
        phone_owner,
        {
            "type": rng.choice(len(PHONE_TYPES), len(phone_owner), p=PHONE_TYPE_WEIGHTS),
            "region": np.repeat(home, phones),
            "line": rng.integers(100, 10_000, len(phone_owner)),
        },
    )

    housed_mask = rng.random(count) < 0.7
    housed, housed_region = ids[housed_mask], home[housed_mask]
    place = PLACE_START[housed_region] + (
        rng.random(len(housed)) * PLACE_COUNT[housed_region]
    ).astype(np.int64)
    cols["PhysicalAddresses"] = CollectionColumns(
        housed,
        {
            "place": place,
            "number": rng.integers(1, 9_999, len(housed)),
            "street": rng.integers(0, len(STREETS), len(housed)),
            "zip": rng.integers(0, 100, len(housed)),
        },
    )

    texts = np.array([i for i, c in enumerate(vocab.COMMENTS) if c.text])
    notes = np.minimum(rng.geometric(0.55, count) - 1, 4)
    note_owner = _repeat(ids, notes)
    cols["Notes"] = CollectionColumns(
        note_owner,
        {
            "text": rng.choice(texts, len(note_owner)),
            "when": rng.uniform(start, end, len(note_owner)).astype(np.int64),
        },
    )

    answers = rng.choice(3, count, p=(0.55, 0.35, 0.1))
    answer_owner = _repeat(ids, answers)
    n = len(answer_owner)
    scores = rng.choice(11, n, p=(0.03, 0.02, 0.03, 0.04, 0.05, 0.07, 0.08, 0.14, 0.16, 0.18, 0.2))
    by_score = vocab.templates_by_score()
    picks = rng.random(n)
    templates = np.empty(n, dtype=np.int64)
    for score, fitting in by_score.items():
        rows = scores == score
        templates[rows] = np.array(fitting)[(picks[rows] * len(fitting)).astype(np.int64)]
    cols["SurveyResponses"] = CollectionColumns(
        answer_owner,
        {
            "survey": rng.integers(0, len(SURVEY_NAMES), n),
            "score": scores,
            "template": templates,
            "when": rng.uniform(start, end, n).astype(np.int64),
        },
    )
    return ProfileColumns(first_id, count, first, last, cols)


def _email(columns: ProfileColumns, profile_id: int, work: bool, domain: int) -> str:
    k = profile_id - columns.first_id
    local = ascii_local_part(
        vocab.FIRST_NAMES[int(columns.first[k])], vocab.LAST_NAMES[int(columns.last[k])]
    )
    host = "corp.example" if work else vocab.EMAIL_DOMAINS[domain]
    return f"{local}{profile_id}@{host}"


def render_item(
    columns: ProfileColumns, collection: str, row: int, options: dict[str, list[Option]]
) -> dict[str, Any]:
    """One generated collection item's fields (without its id), in the API's shape."""
    values = {name: array[row] for name, array in columns.collections[collection].values.items()}
    owner = int(columns.collections[collection].profile[row])
    if collection == "Names":
        title = NAME_TITLES[int(values["title"])] if values["title"] >= 0 else None
        first_name = vocab.FIRST_NAMES[int(values["first"])]
        middle = f"{chr(65 + int(values['middle']))}." if values["middle"] >= 0 else None
        last_name = vocab.LAST_NAMES[int(values["last"])]
        full = " ".join(p for p in (title, first_name, middle, last_name) if p)
        return {
            "FullName": full,
            "NameTitle": title,
            "FirstName": first_name,
            "MiddleName": middle,
            "LastName": last_name,
            "NameSuffix": None,
        }
    if collection == "Genders":
        return {"Gender": options["Gender"][int(values["gender"])].json()}
    if collection == "Ages":
        return {"Age": int(values["age"])}
    if collection == "EmailAddresses":
        work = bool(values["work"])
        return {
            "EmailAddress": _email(columns, owner, work, int(values["domain"])),
            "EmailType": options["EmailType"][1 if work else 0].json(),
        }
    if collection == "PhoneNumbers":
        area = REGIONS[int(values["region"])][1]
        return {
            "PhoneNumber": f"({area}) 555-{int(values['line']):04d}",
            "PhoneType": options["PhoneType"][int(values["type"])].json(),
        }
    if collection == "PhysicalAddresses":
        place = int(values["place"])
        prefix = PLACES[place][3]
        return {
            "AddressLine1": f"{int(values['number'])} {STREETS[int(values['street'])]}",
            "AddressCity": options["AddressCity"][int(PLACE_CITY[place]) - 1].json(),
            "AddressCounty": options["AddressCounty"][int(PLACE_COUNTY[place]) - 1].json(),
            "AddressRegion": options["AddressRegion"][int(PLACE_REGION[place]) - 1].json(),
            "AddressPostalCode": f"{prefix}{int(values['zip']):02d}",
        }
    if collection == "Notes":
        return {
            "Note": vocab.COMMENTS[int(values["text"])].text,
            "NoteWhen": iso_utc_time(int(values["when"])),
        }
    if collection == "SurveyResponses":
        return {
            "SurveyName": SURVEY_NAMES[int(values["survey"])],
            "SurveyQuestion": NPS_QUESTION,
            "SurveyScore": int(values["score"]),
            "SurveyAnswer": vocab.COMMENTS[int(values["template"])].text or None,
            "SurveyWhen": iso_utc_time(int(values["when"])),
        }
    raise KeyError(collection)


def render_profile(
    columns: ProfileColumns,
    profile_id: int,
    collections: list[str],
    options: dict[str, list[Option]],
    id_offsets: dict[str, int],
) -> dict[str, Any]:
    """A generated profile with the requested collections; item id = offset + row + 1."""
    profile: dict[str, Any] = {"id": profile_id}
    for collection in collections:
        profile[collection] = [
            {"id": id_offsets.get(collection, 0) + row + 1}
            | render_item(columns, collection, row, options)
            for row in (
                columns.collections[collection].rows_of(profile_id)
                if collection in columns.collections
                else []
            )
        ]
    return profile


# --- attributes ------------------------------------------------------------------------------

ATTRIBUTE_CATALOG: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("Volunteer Interest", "Radio", ("Yes", "No", "Maybe"), False),
    ("Preferred Contact Method", "Radio", ("Email", "Phone", "Text message", "Mail"), False),
    ("Event Attendance", "Checkbox", ("Spring Gala", "Town Hall", "Webinar", "Summer BBQ"), False),
    ("Plan", "Radio", vocab.PLANS, False),
    ("Persona", "Radio", vocab.PERSONAS, False),
    ("Product", "Checkbox", vocab.PRODUCT_PLANS, False),
    ("Country", "Radio", vocab.COUNTRIES, False),
    ("NPS Segment", "Radio", ("Promoter", "Passive", "Detractor"), True),
    ("Feedback Topics", "Checkbox", tuple(t.name for t in vocab.TAGS if t.parent), False),
    ("Feedback Sentiment", "Radio", ("positive", "neutral", "negative"), True),
    ("Newsletter", "Radio", ("Subscribed", "Unsubscribed"), False),
    ("Donor Level", "Radio", ("Bronze", "Silver", "Gold", "Platinum"), False),
    ("Skills", "Checkbox", ("Phone banking", "Canvassing", "Data entry", "Events"), False),
    ("Languages Spoken", "Checkbox", ("English", "Spanish", "French", "German"), False),
    ("Best Time to Call", "Radio", ("Morning", "Afternoon", "Evening"), False),
    ("Annual Revenue", "Number", (), False),
    ("Seats", "Number", (), False),
    ("Lifetime Donations", "Number", (), True),
    ("Last NPS Score", "Number", (), True),
    ("Referral Source", "Text", (), False),
    ("Account Manager", "Text", (), False),
    ("Company", "Text", (), False),
    ("Job Title", "Text", (), False),
    ("Customer Since", "Date", (), False),
    ("Renewal Date", "Date", (), False),
    ("Birthday", "Date", (), False),
    ("Last Contacted", "Datetime", (), False),
    ("Last Survey Answered", "Datetime", (), True),
    ("VIP", "Tag", (), False),
    ("Do Not Call", "Tag", (), True),
    ("Churn Risk", "Tag", (), False),
)  # fmt: skip
"""(name, type, options, locked): the organization's custom attributes. Locked ones are kept
by Crowdskout itself (computed from surveys and donations)."""

ATTRIBUTE_TYPES = ("Radio", "Checkbox", "Text", "Number", "Tag", "Date", "Datetime")
TYPES_WITH_OPTIONS = ("Radio", "Checkbox")


def generate_attributes(rng: np.random.Generator) -> list[dict[str, Any]]:
    """The attribute catalog in a seed-dependent order (as an organization created them)."""
    order = rng.permutation(len(ATTRIBUTE_CATALOG))
    attributes = []
    for attribute_id, index in enumerate(order.tolist(), start=1):
        name, kind, values, locked = ATTRIBUTE_CATALOG[index]
        attribute: dict[str, Any] = {"id": attribute_id, "name": name, "type": kind}
        attribute["locked"] = locked
        if kind in TYPES_WITH_OPTIONS:
            attribute["options"] = [{"id": i + 1, "value": v} for i, v in enumerate(values)]
        attributes.append(attribute)
    return attributes


def two_year_window(end_ts: float) -> tuple[float, float]:
    return end_ts - TWO_YEARS, end_ts
