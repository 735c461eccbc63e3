"""The synthetic Apptentive dataset: feedback records and surveys for each app.

Records are generated vectorised and kept columnar (numpy arrays sorted by creation time), so
that a million-response world builds in well under a second here; JSON is only built for the rows
an answer needs. Surveys are few (3-4 per app) and kept as plain dicts.

Ids are MongoDB ObjectIds as in the documentation: 4 bytes of creation time, 5 bytes fixed per
app (the "machine" part), 3 bytes of counter. A record's device, user and feedback sub-documents
take the next three counter values, as the documented example shows (`...0001` record, `...0002`
device, `...0003` user, `...0004` feedback). With a fixed machine part and an increasing counter
the hex ids sort in creation order, so a record is found with `searchsorted`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from workbench.sandbox import vocabulary as vocab

SURVEY_ZONE = ZoneInfo("America/Los_Angeles")
"""Survey dates carry an offset in the docs (`2012-03-16T08:54:26-07:00`): Apptentive's own
zone, Pacific time, is the plausible source of that offset."""

TWO_YEARS = 2 * 365 * 86_400
IDS_PER_RECORD = 4  # the record, its device, its user, its feedback

DEVICE_FIELDS = (
    "board", "bootloader_version", "brand", "build_id", "build_type", "carrier", "cpu",
    "current_carrier", "device", "manufacturer", "model", "network_type", "os_build", "os_name",
    "os_version", "product", "radio_version", "uuid",
)  # fmt: skip
"""Every key of a record's `device`, in the documented order (all present, most null)."""

USER_FIELDS = (
    "birthday", "city", "country", "email", "name", "phone_number", "state", "street", "zip",
)  # fmt: skip
"""Every key of a record's `user`, in the documented order. The create parameter `zip_code`
is answered as `zip`, as the documented create example shows."""

IOS_MODELS = (
    "iPhone 12", "iPhone 13", "iPhone 13 mini", "iPhone 14", "iPhone 14 Pro", "iPhone 15",
    "iPhone 15 Pro Max", "iPad Air (5th generation)", "iPad Pro (11-inch)",
)  # fmt: skip
IOS_MODEL_WEIGHTS = (0.09, 0.14, 0.05, 0.15, 0.12, 0.2, 0.1, 0.08, 0.07)
IOS_VERSIONS = ("16.7.2", "17.0.3", "17.4.1", "17.6.1", "18.0", "18.1.1", "18.3")
ANDROID_MODELS = (
    ("samsung", "SM-S911B"), ("samsung", "SM-A546B"), ("Google", "Pixel 7"),
    ("Google", "Pixel 8"), ("OnePlus", "CPH2449"), ("Xiaomi", "2201117TG"),
    ("motorola", "moto g54 5G"),
)  # fmt: skip
ANDROID_MODEL_WEIGHTS = (0.22, 0.2, 0.14, 0.14, 0.1, 0.12, 0.08)
ANDROID_VERSIONS = ("12", "13", "14", "15")
CARRIERS = ("Verizon", "AT&T", "T-Mobile", "Vodafone", "O2", "Telekom")
NETWORK_TYPES = ("LTE", "5G", "HSPA+")

NPS_SCORE_WEIGHTS = (0.03, 0.02, 0.03, 0.04, 0.05, 0.07, 0.08, 0.14, 0.16, 0.18, 0.20)
"""The hidden 0-10 sentiment behind each record, so that its text comes from a fitting template."""

FEEDBACK_TYPES = ("praise", "bug", "suggestion", "question", "complaint", "feedback")


def feedback_type(template: vocab.CommentTemplate) -> str:
    """The Apptentive `feedback.type` a person would pick for this comment."""
    tags = set(template.tags)
    if template.low >= 8:
        return "praise"
    if tags & {"PERFORMANCE", "RELIABILITY"}:
        return "bug"
    if tags & {"FEATURES", "UX"}:
        return "suggestion"
    if tags & {"ONBOARDING"}:
        return "question"
    if tags & {"SUPPORT", "CALL", "BILLING", "PRICING"} and template.high <= 6:
        return "complaint"
    return "feedback"


TEXT_TEMPLATES = tuple(i for i, c in enumerate(vocab.COMMENTS) if c.text)
"""Apptentive feedback always has words: the empty comment template is left out."""
TEMPLATE_TYPE = np.array(
    [FEEDBACK_TYPES.index(feedback_type(c)) for c in vocab.COMMENTS], dtype=np.int8
)


def ascii_local_part(first: str, last: str) -> str:
    """`Müller`, `O'Brien` -> `muller`, `obrien`: what people type in an email address."""
    text = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == ".")


def object_ids(timestamps: np.ndarray, machine: bytes, counters: np.ndarray) -> np.ndarray:
    """ObjectId hex strings (as `S24` bytes) for each (timestamp, counter), vectorised."""
    n = len(timestamps)
    raw = np.empty((n, 12), dtype=np.uint8)
    raw[:, 0:4] = timestamps.astype(">u4").view(np.uint8).reshape(n, 4)
    raw[:, 4:9] = np.frombuffer(machine, dtype=np.uint8)
    raw[:, 9:12] = (counters % (1 << 24)).astype(">u4").view(np.uint8).reshape(n, 4)[:, 1:4]
    return np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S24").copy()


def object_id(timestamp: int, machine: bytes, counter: int) -> str:
    """One ObjectId hex string; plain string formatting, as rendering calls it per row."""
    return f"{timestamp & 0xFFFFFFFF:08x}{machine.hex()}{counter % (1 << 24):06x}"


@dataclass
class RecordColumns:
    """Generated records, one array per attribute, sorted by (created_at, counter)."""

    created_at: np.ndarray  # int64 Unix seconds, the ObjectId time (when the server stored it)
    date: np.ndarray  # int64 Unix seconds, the client's `date` (earlier when sent from a queue)
    counter: np.ndarray  # int64, the record's ObjectId counter; sub-documents take +1..+3
    ids: np.ndarray  # S24, sorted
    template: np.ndarray  # int16 index into vocabulary.COMMENTS
    first: np.ndarray  # int16 index into FIRST_NAMES, -1 when the user gave no name
    last: np.ndarray  # int16 index into LAST_NAMES
    email_domain: np.ndarray  # int8 index into EMAIL_DOMAINS, -1 when no email
    country: np.ndarray  # int8 index into COUNTRIES, -1 when unknown
    model: np.ndarray  # int8 index into the platform's models
    os_version: np.ndarray  # int8 index into the platform's versions
    carrier: np.ndarray  # int8 index into CARRIERS, -1 when none
    network: np.ndarray  # int8 index into NETWORK_TYPES, -1 when none (iOS sends none)
    uuid: np.ndarray  # S32 hex
    plan: np.ndarray  # int8 index into PLANS, -1 when the record carries no `data`
    persona: np.ndarray  # int8 index into PERSONAS
    archived: np.ndarray  # bool, mutable (toggle_archive)

    def __len__(self) -> int:
        return len(self.created_at)

    def lists(self, rows: np.ndarray, *names: str) -> list[list[Any]]:
        """The named columns at `rows`, each as a Python list (why: `render_records`)."""
        return [getattr(self, name)[rows].tolist() for name in names]


def generate_records(
    rng: np.random.Generator,
    n: int,
    start: float,
    end: float,
    machine: bytes,
    first_counter: int,
    *,
    android: bool,
    now: float | None = None,
) -> RecordColumns:
    """`n` records created between `start` and `end` (or all at `now`), with counters from
    `first_counter` in creation order.

    Density grows towards `end` (a growing app), users leave their name three times in four,
    older feedback is more often archived (analysts archive what they have handled).
    """
    if now is None:
        created = (start + (end - start) * rng.power(1.4, n)).astype(np.int64)
        created.sort()
    else:
        created = np.full(n, int(now), dtype=np.int64)
    queued = rng.random(n) < 0.08
    lag = rng.integers(60, 2 * 86_400, n)
    date = np.where(queued, created - lag, created)
    counter = first_counter + IDS_PER_RECORD * np.arange(n, dtype=np.int64)

    scores = rng.choice(11, size=n, p=NPS_SCORE_WEIGHTS)
    by_score = vocab.templates_by_score()
    picks = rng.random(n)
    template = np.empty(n, dtype=np.int16)
    for score in range(11):
        fitting = np.array([i for i in by_score[score] if i in TEXT_TEMPLATES], dtype=np.int16)
        rows = scores == score
        template[rows] = fitting[(picks[rows] * len(fitting)).astype(np.int64)]

    named = rng.random(n) < 0.75
    first = np.where(named, rng.integers(0, len(vocab.FIRST_NAMES), n), -1).astype(np.int16)
    last = rng.integers(0, len(vocab.LAST_NAMES), n).astype(np.int16)
    emailed = named & (rng.random(n) < 0.85)
    email_domain = np.where(emailed, rng.integers(0, len(vocab.EMAIL_DOMAINS), n), -1)
    country = np.where(
        rng.random(n) < 0.5, rng.choice(len(vocab.COUNTRIES), n, p=vocab.COUNTRY_WEIGHTS), -1
    )
    models, model_weights = (
        (ANDROID_MODELS, ANDROID_MODEL_WEIGHTS) if android else (IOS_MODELS, IOS_MODEL_WEIGHTS)
    )
    versions = ANDROID_VERSIONS if android else IOS_VERSIONS
    # newer OS versions are more common in newer records
    age_share = (created - start) / max(end - start, 1) if now is None else np.ones(n)
    version = np.clip(
        np.round(age_share * (len(versions) - 1) + rng.normal(0, 0.9, n)), 0, len(versions) - 1
    )
    carrier = np.where(rng.random(n) < 0.6, rng.integers(0, len(CARRIERS), n), -1)
    network = (
        np.where(carrier >= 0, rng.integers(0, len(NETWORK_TYPES), n), -1)
        if android
        else np.full(n, -1)
    )
    uuid = np.frombuffer(
        rng.integers(0, 256, (n, 16), dtype=np.uint8).tobytes().hex().upper().encode("ascii"),
        dtype="S32",
    ).copy()
    plan = np.where(rng.random(n) < 0.7, rng.choice(len(vocab.PLANS), n, p=vocab.PLAN_WEIGHTS), -1)
    persona = rng.choice(len(vocab.PERSONAS), n, p=vocab.PERSONA_WEIGHTS)
    old = created < end - 180 * 86_400
    archived = rng.random(n) < np.where(old, 0.55, 0.12)
    return RecordColumns(
        created_at=created,
        date=date.astype(np.int64),
        counter=counter,
        ids=object_ids(created, machine, counter),
        template=template,
        first=first,
        last=last,
        email_domain=email_domain.astype(np.int8),
        country=country.astype(np.int8),
        model=rng.choice(len(models), n, p=model_weights).astype(np.int8),
        os_version=version.astype(np.int8),
        carrier=carrier.astype(np.int8),
        network=network.astype(np.int8),
        uuid=uuid,
        plan=plan.astype(np.int8),
        persona=persona.astype(np.int8),
        archived=archived,
    )


def summary(feedback: str | None, user_name: str | None, user_email: str | None) -> str:
    """The documented summary: `I have a question. from Fake User`, `Great app! from Sample User`.

    A full stop is added unless the text already ends a sentence; the author is the name, else
    the email. The docs are silent on records without text or author: the text falls back to
    `Feedback` and the ` from ...` part is left out.
    """
    text = (feedback or "").strip() or "Feedback"
    if text[-1] not in ".!?":
        text += "."
    author = (user_name or "").strip() or (user_email or "").strip()
    return f"{text} from {author}" if author else text


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123_many(timestamps: np.ndarray) -> list[str]:
    """web.rfc1123_time() for many timestamps at once (the listing renders every record)."""
    iso = np.datetime_as_string(timestamps.astype("datetime64[s]"), unit="s").tolist()
    weekdays = ((timestamps // 86_400 + 3) % 7).tolist()  # 1970-01-01 was a Thursday
    return [
        f"{WEEKDAYS[w]}, {t[8:10]} {MONTHS[int(t[5:7]) - 1]} {t[0:4]} {t[11:19]} GMT"
        for t, w in zip(iso, weekdays, strict=True)
    ]


@lru_cache(maxsize=4096)
def email_for(first: int, last: int, domain: int) -> str:
    local = ascii_local_part(vocab.FIRST_NAMES[first], vocab.LAST_NAMES[last])
    return f"{local}@{vocab.EMAIL_DOMAINS[domain]}"


def render_records(
    columns: RecordColumns, rows: np.ndarray, machine: bytes, *, android: bool
) -> list[dict[str, Any]]:
    """Generated records in the documented JSON shape, for the given row positions.

    Columns are turned into Python lists once per call: per-row numpy scalar access would
    dominate the cost of a 100,000-record listing.
    """
    machine_hex = machine.hex()
    created, counters = columns.lists(rows, "created_at", "counter")
    dates = rfc1123_many(columns.date[rows])
    records = []
    for k, (record_id, template_index, first, last, domain, country) in enumerate(
        zip(
            *columns.lists(rows, "ids", "template", "first", "last", "email_domain", "country"),
            strict=True,
        )
    ):
        stamp = f"{created[k] & 0xFFFFFFFF:08x}{machine_hex}"
        counter = counters[k]
        template = vocab.COMMENTS[template_index]
        name = f"{vocab.FIRST_NAMES[first]} {vocab.LAST_NAMES[last]}" if first >= 0 else None
        email = email_for(first, last, domain) if domain >= 0 and first >= 0 else None
        user = {
            "birthday": None,
            "city": None,
            "country": vocab.COUNTRIES[country] if country >= 0 else None,
            "email": email,
            "name": name,
            "phone_number": None,
            "state": None,
            "street": None,
            "zip": None,
        }
        records.append(
            {
                "id": record_id.decode(),
                "summary": summary(template.text, name, email),
                "device": {"_id": f"{stamp}{(counter + 1) % (1 << 24):06x}"},
                "user": {"_id": f"{stamp}{(counter + 2) % (1 << 24):06x}", **user},
                "feedback": {
                    "_id": f"{stamp}{(counter + 3) % (1 << 24):06x}",
                    "feedback": template.text,
                    "source": None,
                    "type": FEEDBACK_TYPES[TEMPLATE_TYPE[template_index]],
                },
                "date": dates[k],
            }
        )
    _fill_devices(columns, rows, records, android=android)
    for record, plan, persona, archived in zip(
        records, *columns.lists(rows, "plan", "persona", "archived"), strict=True
    ):
        if plan >= 0:
            record["data"] = {"plan": vocab.PLANS[plan], "persona": vocab.PERSONAS[persona]}
        record["archived"] = archived
    return records


def _fill_devices(
    columns: RecordColumns, rows: np.ndarray, records: list[dict[str, Any]], *, android: bool
) -> None:
    for record, model, version, carrier, network, raw in zip(
        records,
        *columns.lists(rows, "model", "os_version", "carrier", "network", "uuid"),
        strict=True,
    ):
        text = raw.decode()
        carrier_name = CARRIERS[carrier] if carrier >= 0 else None
        if android:
            maker, model_name = ANDROID_MODELS[model]
            brand, build_type, os_name = maker.lower(), "user", "Android"
            os_version = ANDROID_VERSIONS[version]
        else:
            maker, model_name, brand, build_type, os_name = (
                "Apple",
                IOS_MODELS[model],
                None,
                None,
                "iOS",
            )
            os_version = IOS_VERSIONS[version]
        record["device"].update(
            board=None,
            bootloader_version=None,
            brand=brand,
            build_id=None,
            build_type=build_type,
            carrier=carrier_name,
            cpu=None,
            current_carrier=carrier_name,
            device=None,
            manufacturer=maker,
            model=model_name,
            network_type=NETWORK_TYPES[network] if network >= 0 else None,
            os_build=None,
            os_name=os_name,
            os_version=os_version,
            product=None,
            radio_version=None,
            uuid=f"{text[0:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}",
        )


# --- surveys ---------------------------------------------------------------------------------

FREE_TEXT_QUESTION = "Anything else you'd like to tell us?"

SURVEY_CATALOG: tuple[dict[str, Any], ...] = (
    {
        "name": "Customer Satisfaction",
        "description": "How do you feel about the app? Two quick questions.",
        "questions": ((0, "multichoice"), (None, "singleline")),
        "tags": ("satisfaction", "csat"),
    },
    {
        "name": "Feature Usage",
        "description": "Help us decide what to build next.",
        "questions": ((1, "multichoice"), (None, "singleline")),
        "tags": ("product", "roadmap"),
    },
    {
        "name": "How You Found Us",
        "description": "Tell us where you heard about the app.",
        "questions": ((2, "multiselect"),),
        "tags": ("marketing", "onboarding"),
    },
    {
        "name": "Callback Request",
        "description": "Would you like someone from our team to get in touch?",
        "questions": ((3, "multichoice"), (0, "multichoice")),
        "tags": ("support", "satisfaction"),
    },
)
"""Surveys built from vocabulary.SURVEY_QUESTIONS (index, question type); None is free text."""

CHOICE_WEIGHTS: dict[int, tuple[float, ...]] = {
    0: (0.34, 0.36, 0.15, 0.10, 0.05),  # satisfied customers outnumber unhappy ones
    1: (0.38, 0.33, 0.18, 0.11),
    2: (0.45, 0.30, 0.12, 0.06, 0.08),  # per-choice shares: a multiselect answer picks several
    3: (0.18, 0.82),
}


@dataclass
class Survey:
    """One survey with its answer counts; `json()` and `detail()` render the two documented
    shapes (the listing's, and the retrieval's with `response_count` and `responses`)."""

    body: dict[str, Any]
    response_count: int
    answers: list[list[tuple[str, int]]]  # per question: (choice or text, count)
    created_at: int

    @property
    def id(self) -> str:
        return str(self.body["id"])

    def json(self) -> dict[str, Any]:
        return dict(self.body)

    def detail(self) -> dict[str, Any]:
        """The retrieval shape: the documented example puts the counts after `date`."""
        body = self.body
        responses = [
            {
                "question": q["value"],
                "type": q["type"],
                "required": q["required"],
                "responses": [{"choice": c, "count": n} for c, n in counts],
            }
            for q, counts in zip(body["questions"], self.answers, strict=True)
        ]
        head = {"id": body["id"], "questions": body["questions"], "date": body["date"]}
        tail = {k: v for k, v in body.items() if k not in head}
        return {**head, "response_count": self.response_count, "responses": responses, **tail}


def survey_time(ts: int) -> str:
    """`2012-03-16T08:54:26-07:00`: the documented survey date format."""
    return datetime.fromtimestamp(ts, SURVEY_ZONE).isoformat(timespec="seconds")


def generate_surveys(
    rng: np.random.Generator, records: int, start: float, end: float, machine: bytes, counter: int
) -> list[Survey]:
    """3-4 surveys, at least one active and one inactive, with skewed answer counts."""
    count = int(rng.integers(3, 5))
    chosen = sorted(rng.choice(len(SURVEY_CATALOG), size=count, replace=False).tolist())
    created = np.sort(rng.uniform(start, end - 30 * 86_400, count).astype(np.int64))
    active = rng.random(count) < 0.6
    active[-1], active[0] = True, False  # the newest runs, the oldest has been retired
    texts = [vocab.COMMENTS[i].text for i in TEXT_TEMPLATES]
    surveys = []
    for k, catalog_index in enumerate(chosen):
        spec = SURVEY_CATALOG[catalog_index]
        ts = int(created[k])
        survey_id = object_id(ts, machine, counter)
        counter += 1
        responded = int(records * rng.uniform(0.15, 0.6))
        questions: list[dict[str, Any]] = []
        answers: list[list[tuple[str, int]]] = []
        for q_index, q_type in spec["questions"]:
            question_id = object_id(ts, machine, counter)
            counter += 1
            if q_index is None:
                questions.append(
                    {"id": question_id, "value": FREE_TEXT_QUESTION, "type": "singleline"}
                )
                questions[-1]["required"] = False
                wrote = int(rng.binomial(responded, 0.25))
                picked = rng.choice(len(texts), size=6, replace=False)
                zipf = 1 / np.arange(1, 7)
                counts = rng.multinomial(wrote, zipf / zipf.sum())
                answers.append(
                    [(texts[int(t)], int(c)) for t, c in zip(picked, counts, strict=True) if c]
                )
                continue
            value, choices = vocab.SURVEY_QUESTIONS[q_index]
            choice_ids = [object_id(ts, machine, counter + j) for j in range(len(choices))]
            counter += len(choices)
            questions.append(
                {
                    "id": question_id,
                    "answer_choices": [
                        {"id": cid, "value": text}
                        for cid, text in zip(choice_ids, choices, strict=True)
                    ],
                    "instructions": "select all that apply"
                    if q_type == "multiselect"
                    else "select one",
                    "value": value,
                    "type": q_type,
                    "required": False,
                }
            )
            answered = int(rng.binomial(responded, rng.uniform(0.85, 0.98)))
            weights = np.array(CHOICE_WEIGHTS[q_index])
            if q_type == "multiselect":
                shares = np.clip(weights * rng.uniform(0.8, 1.2, len(weights)), 0, 1)
                counts = rng.binomial(answered, shares)
            else:
                counts = rng.multinomial(answered, rng.dirichlet(weights * 300))
            answers.append([(c, int(n)) for c, n in zip(choices, counts, strict=True)])
        thanks = bool(rng.random() < 0.5)
        body = {
            "id": survey_id,
            "questions": questions,
            "date": survey_time(ts),
            "success_message": "Thanks for your feedback!" if thanks else False,
            "name": spec["name"],
            "description": spec["description"],
            "required": False,
            "multiple_responses": bool(rng.random() < 0.5),
            "show_success_message": thanks,
            "active": bool(active[k]),
            "tags": list(spec["tags"]),
        }
        surveys.append(Survey(body, responded, answers, ts))
    return surveys


def two_year_window(end: datetime) -> tuple[float, float]:
    stop = end.timestamp()
    return stop - TWO_YEARS, stop
