"""A catalog item's form: the definition is checked, answers are validated by type."""

import pytest
from django.core.exceptions import ValidationError

from servicedesk.catalog_forms import CatalogItemForm, answers_clean, definition_clean

ALL_TYPES = [
    {"name": "why", "label": "Why", "type": "text", "required": True, "help_text": "Be brief."},
    {"name": "count", "label": "How many", "type": "number"},
    {"name": "needed_by", "label": "Needed by", "type": "date"},
    {"name": "size", "label": "Size", "type": "choice", "choices": ["S", "M", "L"]},
    {"name": "for_whom", "label": "For whom", "type": "user"},
    {"name": "agree", "label": "I agree", "type": "boolean", "required": True},
]


def errors_of(definition, answers) -> dict:
    with pytest.raises(ValidationError) as caught:
        answers_clean(definition_clean(definition), answers)
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
    ],
)
def test_a_bad_definition_is_refused_naming_the_field(definition, message):
    with pytest.raises(ValidationError) as caught:
        definition_clean(definition)
    assert message in " ".join(caught.value.message_dict["form_definition"])


# --- answers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_answers_of_every_type_are_stored_in_their_json_form(people):
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
    )
    assert cleaned == {
        "why": "New starter",
        "count": 2,
        "needed_by": "2026-05-01",
        "size": "M",
        "for_whom": people["requester"].pk,
        "agree": True,
    }
    assert answers_clean(definition_clean(ALL_TYPES[1:2]), {"count": 2.5}) == {"count": 2.5}


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
def test_a_wrong_type_or_missing_required_answer_names_the_field(answers, field, message):
    errors = errors_of(ALL_TYPES, answers)
    assert list(errors) == [f"answers.{field}"]
    assert message in errors[f"answers.{field}"][0]


@pytest.mark.django_db
def test_optional_fields_may_be_left_out_and_an_unticked_optional_box_is_false():
    definition = definition_clean(
        [
            {"name": "note", "label": "Note", "type": "text"},
            {"name": "x", "label": "X", "type": "boolean"},
        ]
    )
    assert answers_clean(definition, {"note": "", "x": False}) == {"x": False}
    assert answers_clean(definition, None) == {}


@pytest.mark.django_db
def test_answers_must_be_an_object():
    with pytest.raises(ValidationError) as caught:
        answers_clean([], ["a"])
    assert "answers" in caught.value.message_dict


# --- the HTML form --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_portal_form_carries_html5_validation_and_runs_the_same_checks(people):
    form = CatalogItemForm(definition_clean(ALL_TYPES))
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
            "for_whom": str(people["agent"].pk),
            "agree": "on",
        },
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
    assert not CatalogItemForm(definition_clean(ALL_TYPES), {"why": ""}).is_valid()
