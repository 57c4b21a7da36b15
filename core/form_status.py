"""The status of an HTML page or htmx partial that shows a form again after a POST.

The browser keeps the API's rule: bad input is a 4xx that changes nothing. A submitted form
with errors is shown again, as typed, with 400; a write the domain refused answers that
refusal's own status (409 a move the current state does not allow, 412 a stale version,
403 someone who may not). Success stays post/redirect/get. templates/base.html tells htmx
to swap 400, 409, 412 and 422 answers, so inline edits show their errors in place.
"""

from django.core.exceptions import ValidationError

from core.exceptions import DomainError


def submitted(request):
    """The data a form is bound to: the POST, even an empty one (a submitted form that its
    fields then refuse, 400), or None for a GET (a fresh form, 200). `request.POST or None`
    took an empty POST for a GET."""
    return request.POST if request.method == "POST" else None


def form_status(form=None, refused: Exception | None = None) -> int:
    """200 for a form shown fresh; the refusal's status for a write an action refused
    (a DomainError's own, 400 for a model ValidationError); 400 for a submitted form with
    errors."""
    if isinstance(refused, DomainError):
        return refused.status_code
    if refused is not None:
        return 400
    if form is not None and form.is_bound and form.errors:
        return 400
    return 200


def errors_onto_form(form, exc: ValidationError) -> None:
    """A model ValidationError raised by an action, shown on the form that carried the input:
    beside its field when the form has one, above the fields otherwise."""
    for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)
