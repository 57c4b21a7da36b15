"""A catalog item's form: the definition is checked, answers are validated by type, a person
field offers (and accepts) only the people the one filling it in may order for."""

import re

import pytest
from django.core.exceptions import ValidationError

from servicedesk.catalog_forms import CatalogItemForm, answers_clean, definition_clean
from servicedesk.request_queries import people_to_order_for
from tests.core.factories import UserFactory

ALL_TYPES = [
    {"name": "why", "label": "Why", "type": "text", "required": True, "help_text": "Be brief."},
    {"name": "count", "label": "How many", "type": "number"},
    {"name": "needed_by", "label": "Needed by", "type": "date"},
    {"name": "size", "label": "Size", "type": "choice", "choices": ["S", "M", "L"]},
    {"name": "for_whom", "label": "For whom", "type": "user"},
    {"name": "agree", "label": "I agree", "type": "boolean", "required": True},
]


def errors_of(definition, answers, actor=None) -> dict:
    with pytest.raises(ValidationError) as caught:
        answers_clean(definition_clean(definition), answers, actor=actor)
    return caught.value.message_dict


# --- the definition -------------------------------------------------------------------------


def test_a_definition_with_every_field_type_is_accepted_and_normalised():
    cleaned = definition_clean(ALL_TYPES)
    assert [f["type"] for f in cleaned] == ["text", "number", "date", "choice", "user", "boolean"]
    assert cleaned[1] == {
        "name": "count",
        "label": "How many",
        "type": "number",
        "required": False,
        "help_text": "",
    }
    assert cleaned[3]["choices"] == ["S", "M", "L"]


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"name": "x"}, "list of fields"),
        ([{"name": "x", "label": "X", "type": "colour"}], "type must be one of"),
        ([{"name": "Bad Name", "label": "X", "type": "text"}], "name must be"),
        ([{"name": "x", "label": "X", "type": "text"}] * 2, "used twice"),
        ([{"name": "x", "label": "X", "type": "choice"}], "needs a list of distinct"),
        ([{"name": "x", "label": "X", "type": "choice", "choices": ["a", "a"]}], "distinct"),
        ([{"name": "x", "label": "X", "type": "text", "choices": ["a"]}], "only choice"),
        ([{"name": "x", "label": "X", "type": "text", "required": "yes"}], "true or false"),
        ([{"name": "x", "label": "X", "type": "text", "colour": 1}], "unknown keys colour"),
        (["text"], "field 1"),
        # Every key of the wrong JSON type (a list or an object for a name was a 500).
        ([{"name": ["x"], "label": "X", "type": "text"}], "field 1: name must be"),
        ([{"name": {"x": 1}, "label": "X", "type": "text"}], "field 1: name must be"),
        ([{"name": ["x"], "label": "X", "type": "text"}] * 2, "field 2: name must be"),
        ([{"name": "x", "label": "X", "type": ["text"]}], "field 'x': type must be one of"),
        ([{"name": "x", "label": "X", "type": {"text": 1}}], "type must be one of"),
        ([{"name": "x", "label": ["X"], "type": "text"}], "field 'x': give a label"),
        ([{"name": "x", "label": "X", "type": "text", "required": [True]}], "true or false"),
        ([{"name": "x", "label": "X", "type": "text", "help_text": {"a": 1}}], "help_text"),
        ([{"name": "x", "label": "X", "type": "choice", "choices": [["a"]]}], "distinct texts"),
        ([{"name": "x", "label": "X", "type": "choice", "choices": {"a": 1}}], "distinct texts"),
        # A number field's bounds and whole-number setting.
        ([{"name": "x", "label": "X", "type": "number", "min": "1"}], "x': min must be a number"),
        ([{"name": "x", "label": "X", "type": "number", "min": True}], "min must be a number"),
        ([{"name": "x", "label": "X", "type": "number", "max": [1]}], "max must be a number"),
        ([{"name": "x", "label": "X", "type": "number", "max": 1e15}], "max must be a number"),
        ([{"name": "x", "label": "X", "type": "number", "min": -(10**400)}], "min must be"),
        ([{"name": "x", "label": "X", "type": "number", "min": float("nan")}], "min must be"),
        ([{"name": "x", "label": "X", "type": "number", "max": float("inf")}], "max must be"),
        ([{"name": "x", "label": "X", "type": "number", "min": 5, "max": 1}], "not be more than"),
        ([{"name": "x", "label": "X", "type": "number", "integer": "yes"}], "integer must be true"),
        (
            [{"name": "x", "label": "X", "type": "number", "integer": True, "min": 0.5}],
            "x': a whole-number field's min must be whole",
        ),
        ([{"name": "x", "label": "X", "type": "text", "min": 1}], "only number fields have min"),
        ([{"name": "x", "label": "X", "type": "date", "integer": True}], "only number fields"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field(definition, message):
    with pytest.raises(ValidationError) as caught:
        definition_clean(definition)
    assert message in " ".join(caught.value.message_dict["form_definition"])


def test_a_number_fields_bounds_are_kept_as_given_and_unset_ones_leave_no_key():
    seats = {"name": "seats", "label": "Seats", "type": "number"}
    assert definition_clean([seats | {"min": 1, "max": 50, "integer": True}])[0] == seats | {
        "required": False,
        "help_text": "",
        "min": 1,
        "max": 50,
        "integer": True,
    }
    assert definition_clean([seats | {"min": 0.5, "max": 0.5}])[0]["min"] == 0.5
    whole = definition_clean([seats | {"min": 1.0, "max": 2.0}])[0]
    assert (whole["min"], whole["max"]) == (1, 2) and isinstance(whole["min"], int)
    # Null bounds and integer false are no settings: the field reads as one without them.
    unset = definition_clean([seats | {"min": None, "max": None, "integer": False}])[0]
    assert unset == definition_clean([seats])[0]
    assert not {"min", "max", "integer"} & set(unset)


# --- answers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_answers_of_every_type_are_stored_in_their_json_form(people):
    requester = people["requester"]
    cleaned = answers_clean(
        definition_clean(ALL_TYPES),
        {
            "why": "  New starter  ",
            "count": "2",
            "needed_by": "2026-05-01",
            "size": "M",
            "for_whom": people["requester"].pk,
            "agree": True,
        },
        actor=requester,
    )
    assert cleaned == {
        "why": "New starter",
        "count": 2,
        "needed_by": "2026-05-01",
        "size": "M",
        "for_whom": people["requester"].pk,
        "agree": True,
    }
    count = definition_clean(ALL_TYPES[1:2])
    assert answers_clean(count, {"count": 2.5}, actor=requester) == {"count": 2.5}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"agree": True}, "why", "required"),
        ({"why": "   ", "agree": True}, "why", "required"),
        ({"why": 12, "agree": True}, "why", "text"),
        ({"why": "x", "agree": False}, "agree", "ticked"),
        ({"why": "x", "agree": "yes"}, "agree", "true or false"),
        ({"why": "x", "agree": True, "count": "many"}, "count", "number"),
        ({"why": "x", "agree": True, "count": True}, "count", "number"),
        ({"why": "x", "agree": True, "count": "NaN"}, "count", "number"),
        ({"why": "x", "agree": True, "needed_by": "next week"}, "needed_by", "date"),
        ({"why": "x", "agree": True, "needed_by": 20260501}, "needed_by", "date"),
        ({"why": "x", "agree": True, "size": "XL"}, "size", "Choose one of"),
        ({"why": "x", "agree": True, "for_whom": 99999}, "for_whom", "No such"),
        ({"why": "x", "agree": True, "for_whom": "bob"}, "for_whom", "user id"),
        ({"why": "x", "agree": True, "for_whom": "²"}, "for_whom", "user id"),
        ({"why": "x", "agree": True, "for_whom": -1}, "for_whom", "user id"),
        ({"why": "x", "agree": True, "colour": "red"}, "colour", "no such field"),
    ],
)
def test_a_wrong_type_or_missing_required_answer_names_the_field(people, answers, field, message):
    errors = errors_of(ALL_TYPES, answers, people["agent"])
    assert list(errors) == [f"answers.{field}"]
    assert message in errors[f"answers.{field}"][0]


SEATS = {"name": "seats", "label": "Seats", "type": "number", "min": 1, "max": 50, "integer": True}
LITRES = {"name": "litres", "label": "Litres", "type": "number", "min": 0.5, "max": 2.5}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "answer", "message"),
    [
        (SEATS, -5, "At least 1."),
        (SEATS, 0, "At least 1."),
        (SEATS, "-5", "At least 1."),
        (SEATS, 1.5, "Answer with a whole number."),
        (SEATS, "1.5", "Answer with a whole number."),
        (SEATS, 51, "At most 50."),
        (LITRES, 0.25, "At least 0.5."),
        (LITRES, "3", "At most 2.5."),
    ],
)
def test_a_number_outside_its_fields_bounds_is_refused_naming_the_field(
    people, field, answer, message
):
    errors = errors_of([field], {field["name"]: answer}, people["requester"])
    assert errors == {f"answers.{field['name']}": [message]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "answer", "stored"),
    [(SEATS, 1, 1), (SEATS, "2", 2), (SEATS, 2.0, 2), (SEATS, 50, 50), (LITRES, "1.75", 1.75)],
)
def test_a_number_within_its_fields_bounds_is_stored(people, field, answer, stored):
    definition = definition_clean([field])
    answers = {field["name"]: answer}
    assert answers_clean(definition, answers, actor=people["requester"]) == {field["name"]: stored}


# --- a person field: whom one may order for ----------------------------------------------------

REFUSED = "Choose yourself or an active person of your organisation."
# The typed box says whom a requester may name and how (a full name matches no one).
TYPED_REFUSED = "No one you may order for (yourself or an active person of your organisation)"


@pytest.fixture
def acme_extra(people):
    """An inactive Acme requester, and an agent who is in Acme too."""
    acme = people["requester"].organisation
    return {
        "inactive": UserFactory(username="gone", organisation=acme, is_active=False),
        "acme_agent": UserFactory(username="acme_agent", organisation=acme, role="agent"),
    }


def test_a_requester_may_order_for_themselves_and_their_organisations_active_requesters(
    people, acme_extra
):
    def names(who):
        return set(people_to_order_for(who).values_list("username", flat=True))

    assert names(people["requester"]) == {"req", "req_acme2"}
    assert names(people["requester_shared"]) == {"req_g1", "req_g2"}
    assert names(people["requester_other"]) == {"req_other"}
    assert names(UserFactory(username="loner", organisation=None)) == {"loner"}
    assert names(None) == set()


@pytest.mark.parametrize("role", ["agent", "service_owner", "manager", "admin"])
def test_staff_may_order_for_anyone_active(people, acme_extra, role):
    everyone = {u.username for u in people.values() if hasattr(u, "username")} | {"acme_agent"}
    assert set(people_to_order_for(people[role]).values_list("username", flat=True)) == everyone


@pytest.mark.parametrize(
    "target", ["requester_shared", "requester_other", "agent", "admin", "inactive", "acme_agent"]
)
def test_a_requester_naming_someone_they_may_not_order_for_is_refused(people, acme_extra, target):
    person = {**people, **acme_extra}[target]
    errors = errors_of(ALL_TYPES[4:5], {"for_whom": person.pk}, people["requester"])
    assert errors == {"answers.for_whom": [REFUSED]}
    form = CatalogItemForm(
        definition_clean(ALL_TYPES[4:5]), {"for_whom": person.username}, actor=people["requester"]
    )
    assert not form.is_valid() and form.errors["for_whom"][0].startswith(TYPED_REFUSED)


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("requester", "requester"),
        ("requester", "requester_same_org"),
        ("requester_shared", "requester_shared2"),
        ("agent", "requester_shared"),
        ("admin", "agent"),
    ],
)
def test_a_person_one_may_order_for_is_accepted_in_the_form_and_the_answers(people, actor, target):
    definition = definition_clean(ALL_TYPES[4:5])
    chosen = people[target].pk
    assert answers_clean(definition, {"for_whom": chosen}, actor=people[actor]) == {
        "for_whom": chosen
    }
    typed = {"for_whom": people[target].username}
    form = CatalogItemForm(definition, typed, actor=people[actor])
    assert form.is_valid(), form.errors
    assert form.answers() == {"for_whom": chosen}


def test_staff_naming_an_inactive_user_hear_there_is_no_such_active_user(people, acme_extra):
    errors = errors_of(ALL_TYPES[4:5], {"for_whom": acme_extra["inactive"].pk}, people["agent"])
    assert errors == {"answers.for_whom": ["No such active user."]}


@pytest.mark.parametrize("actor", ["requester", "agent"])
def test_a_person_field_is_a_box_to_type_in_with_matches_from_people_search(people, actor):
    html = str(CatalogItemForm(definition_clean(ALL_TYPES[4:5]), actor=people[actor]))
    box = re.search(r'<input[^>]*name="for_whom"[^>]*>', html).group(0)
    assert 'type="text"' in box and 'list="id_for_whom-people"' in box
    assert 'hx-get="/people/"' in box and "value=" not in box  # optional: starts empty
    assert '<datalist id="id_for_whom-people"></datalist>' in html
    assert "<option" not in html and "<select" not in html
    assert "Type a name, username or email and pick the person." in html


def test_a_required_person_field_starts_with_the_one_ordering(people):
    required = [{"name": "for_whom", "label": "For whom", "type": "user", "required": True}]
    form = CatalogItemForm(definition_clean(required), actor=people["requester"])
    box = re.search(r'<input[^>]*name="for_whom"[^>]*>', str(form)).group(0)
    assert 'value="req"' in box and "required" in box
    posted = CatalogItemForm(definition_clean(required), {"for_whom": "req"}, actor=form.actor)
    assert posted.is_valid() and posted.answers() == {"for_whom": people["requester"].pk}


@pytest.mark.parametrize(
    ("actor", "message"), [("requester", TYPED_REFUSED), ("agent", "No one by")]
)
def test_a_person_typed_by_id_or_unknown_is_refused_in_the_form(people, actor, message):
    for typed in (str(people["requester"].pk), "nobody-of-that-name"):
        form = CatalogItemForm(
            definition_clean(ALL_TYPES[4:5]), {"for_whom": typed}, actor=people[actor]
        )
        assert not form.is_valid()
        assert form.errors["for_whom"][0].startswith(message)


@pytest.mark.django_db
def test_optional_fields_may_be_left_out_and_an_unticked_optional_box_is_false(people):
    definition = definition_clean(
        [
            {"name": "note", "label": "Note", "type": "text"},
            {"name": "x", "label": "X", "type": "boolean"},
        ]
    )
    requester = people["requester"]
    assert answers_clean(definition, {"note": "", "x": False}, actor=requester) == {"x": False}
    assert answers_clean(definition, None, actor=requester) == {}


@pytest.mark.django_db
def test_answers_must_be_an_object(people):
    with pytest.raises(ValidationError) as caught:
        answers_clean([], ["a"], actor=people["requester"])
    assert "answers" in caught.value.message_dict


# --- the HTML form --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_portal_form_carries_html5_validation_and_runs_the_same_checks(people):
    form = CatalogItemForm(definition_clean(ALL_TYPES), actor=people["agent"])
    html = str(form)
    assert 'name="why"' in html and "required" in html
    assert 'type="number"' in html and 'type="date"' in html and 'type="checkbox"' in html
    assert "Be brief." in html
    posted = CatalogItemForm(
        definition_clean(ALL_TYPES),
        {
            "why": "x",
            "count": "3",
            "needed_by": "2026-01-02",
            "size": "S",
            "for_whom": people["agent"].email.upper(),
            "agree": "on",
        },
        actor=people["agent"],
    )
    assert posted.is_valid(), posted.errors
    assert posted.answers() == {
        "why": "x",
        "count": 3,
        "needed_by": "2026-01-02",
        "size": "S",
        "for_whom": people["agent"].pk,
        "agree": True,
    }
    assert not CatalogItemForm(
        definition_clean(ALL_TYPES), {"why": ""}, actor=people["agent"]
    ).is_valid()


def test_a_number_fields_bounds_become_the_inputs_min_max_and_step(people):
    html = str(CatalogItemForm(definition_clean([SEATS, LITRES]), actor=people["requester"]))
    seats = re.search(r'<input[^>]*name="seats"[^>]*>', html).group(0)
    litres = re.search(r'<input[^>]*name="litres"[^>]*>', html).group(0)
    assert 'min="1"' in seats and 'max="50"' in seats and 'step="1"' in seats
    assert 'min="0.5"' in litres and 'max="2.5"' in litres and 'step="any"' in litres
    plain = str(CatalogItemForm(definition_clean(ALL_TYPES[1:2]), actor=people["requester"]))
    count = re.search(r'<input[^>]*name="count"[^>]*>', plain).group(0)
    assert 'step="any"' in count and "min=" not in count and "max=" not in count
