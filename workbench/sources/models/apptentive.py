"""The Apptentive REST API's answers as typed models (apptentive.txt).

Apptentive nests the user, the device and the feedback of a record as objects whose own ids are
called `_id` (Mongo style); the models expose them as `id`. Device and user values are "stored as a
string" by Apptentive, but a client may have sent numbers, so those fields accept any scalar and
keep its text. Record dates come as RFC 1123, survey dates as ISO 8601 with an offset: both read
into aware UTC datetimes through `Timestamp`.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from pydantic import AliasChoices, BeforeValidator, Field

from workbench.sources.fields import ApiModel, Choice, Id, Timestamp


def _text(value: object) -> str | None:
    """Any scalar as its text; Apptentive stores device and user values as strings."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"expected a text value, got {type(value).__name__}")


def _message(value: object) -> str | None:
    """`success_message` is a string, or `false` when the survey shows none."""
    if value is None or value is False:
        return None
    return _text(value)


Text = Annotated[str | None, BeforeValidator(_text)]
OptionalId = Annotated[Id | None, Field(validation_alias=AliasChoices("_id", "id"))]


class Device(ApiModel):
    id: OptionalId = None
    os_name: Text = None
    os_version: Text = None
    os_build: Text = None
    manufacturer: Text = None
    model: Text = None
    device: Text = None
    board: Text = None
    product: Text = None
    brand: Text = None
    cpu: Text = None
    uuid: Text = None
    carrier: Text = None
    current_carrier: Text = None
    network_type: Text = None
    build_type: Text = None
    build_id: Text = None
    bootloader_version: Text = None
    radio_version: Text = None


class User(ApiModel):
    """The person behind a record; `zip` is what Apptentive answers for the `zip_code` it takes."""

    id: OptionalId = None
    name: Text = None
    email: Text = None
    phone_number: Text = None
    street: Text = None
    city: Text = None
    state: Text = None
    zip: Text = Field(default=None, validation_alias=AliasChoices("zip", "zip_code"))
    country: Text = None
    birthday: Text = None
    """Kept as sent: `%m/%d/%Y` when the app followed the docs, any text otherwise."""


class Feedback(ApiModel):
    id: OptionalId = None
    feedback: Text = None
    """The feedback itself, as the person wrote it."""
    type: Text = None
    """The app's category of the feedback, e.g. "bug", "praise", "question"."""
    source: Text = None


class Record(ApiModel):
    """One piece of feedback from an app, with the user and the device it came from."""

    id: Id
    summary: str | None = None
    date: Timestamp = None
    archived: bool = False
    feedback: Feedback | None = None
    user: User | None = None
    device: Device | None = None
    data: dict[str, Any] | None = None
    """App-specific data the app attached to the record."""


class Question(ApiModel):
    id: Id
    value: str | None = None
    """The question as the person read it."""
    type: str | None = None
    """`singleline`, `multichoice` or `multiselect`."""
    instructions: str | None = None
    required: bool = False
    # The field list calls it `answer_choice`, every example `answer_choices`: read both.
    answer_choices: list[Choice] = Field(
        default_factory=list, validation_alias=AliasChoices("answer_choices", "answer_choice")
    )


class ChoiceCount(ApiModel):
    choice: str | None = None
    count: int = 0


class QuestionAnswers(ApiModel):
    """How often each choice of one question was picked (in `GET /surveys/{id}`)."""

    question: str | None = None
    type: str | None = None
    required: bool = False
    responses: list[ChoiceCount | str] = Field(default_factory=list)
    """Counts per choice; a free-text question may list the answers themselves."""


class Survey(ApiModel):
    id: Id
    name: str | None = None
    description: str | None = None
    active: bool | None = None
    date: Timestamp = None
    required: bool | None = None
    multiple_responses: bool | None = None
    show_success_message: bool | None = None
    success_message: Annotated[str | None, BeforeValidator(_message)] = None
    tags: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    response_count: int | None = None
    """Only in `GET /surveys/{id}`."""
    responses: list[QuestionAnswers] = Field(default_factory=list)
    """Answer counts per question; only in `GET /surveys/{id}`."""


# --- what `POST /records` takes ------------------------------------------------------------


class NewUser(TypedDict, total=False):
    name: str
    email: str
    phone_number: str
    street: str
    city: str
    state: str
    zip_code: str
    country: str
    birthday: str
    """`%m/%d/%Y` to be usable in Apptentive's filters."""


class NewDevice(TypedDict, total=False):
    os_name: str
    os_version: str
    os_build: str
    manufacturer: str
    model: str
    board: str
    product: str
    brand: str
    cpu: str
    uuid: str
    carrier: str
    current_carrier: str
    network_type: str
    build_type: str
    build_id: str
    bootloader_version: str
    radio_version: str


class NewClient(TypedDict, total=False):
    """The software creating the record (here: the workbench)."""

    version: str
    language: str
    author: str
    platform: str


class NewAppVersion(TypedDict, total=False):
    version: str
    build_number: str
    primary_locale: str
    supported_locales: list[str]
