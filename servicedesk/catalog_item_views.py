"""Service owners and admins add and change catalog items in the browser, as they can over
the API: the items of their services (inactive ones and those of services not yet live
included), a page to add one and a page to change one. The requesters' form is built one row
per field and previewed as requesters will see it.

Who may is request_actions.catalog_item_may_edit, the API's rule (the service's owner or an
admin): others get 403, and 404 for an item the API hides from them. Writes go through
request_actions.catalog_item_create / catalog_item_update (validated, audited). Bad input
answers 400 with the form as typed and the errors beside the fields; a change based on an old
version 412 with the form as typed; a form without its version 400; nothing is written then.
"Add a field" and "Update preview" post the form back without saving (htmx swaps only the
rows and the preview; without JavaScript the whole page comes back).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.audit import history_for
from core.exceptions import DomainError, StaleVersion
from core.form_status import form_status, submitted
from core.forms import one_more_row
from core.params import whole_number
from servicedesk import request_actions as actions
from servicedesk.catalog_forms import MAX_FIELDS, definition_clean
from servicedesk.catalog_forms import CatalogItemForm as RequesterForm
from servicedesk.catalog_item_forms import (
    BUILDER_PREFIX,
    TYPE_LABELS,
    TYPE_NOTES,
    FieldRowFormSet,
    ItemEditForm,
    ItemForm,
    may_write_catalog,
    rows_of,
    services_for_catalog,
)
from servicedesk.choices import ServiceStatus
from servicedesk.models import CatalogItem
from servicedesk.request_queries import catalog_items_visible_to

NOT_WRITER = "Only a service's owner or an admin may change its catalog."
STALE = (
    "Someone else saved this item after you opened it (it is now version {version}), so "
    "nothing was saved. Your changes are below as you typed them: save again to replace "
    "theirs, or open the item in another tab to compare."
)
NOT_SAVED = "Nothing was saved: the fields marked in red below say why."
MORE, PREVIEW = "_more", "_preview"  # the builder's buttons: post back, save nothing
HISTORY_SHOWN = 10


def _writer_required(user) -> None:
    if not may_write_catalog(user):
        raise PermissionDenied(NOT_WRITER)


def _writable_item(user, pk: int) -> CatalogItem:
    """The item if `user` may change it: 404 where the API hides it, 403 where it refuses."""
    try:
        # The approver's organisation too: the form names the saved approver (person_label).
        item = catalog_items_visible_to(user).select_related("approver__organisation").get(pk=pk)
    except CatalogItem.DoesNotExist as exc:
        raise Http404("No such catalog item.") from exc
    if not actions.catalog_item_may_edit(user, item.service):
        raise PermissionDenied(NOT_WRITER)
    return item


def _orderable(item: CatalogItem) -> bool:
    """Whether the catalog (and so the item's page) shows it to requesters."""
    return item.active and item.service.status == ServiceStatus.LIVE


@login_required
def catalog_manage(request):
    """The items of the services whose catalog the user may change, by service."""
    _writer_required(request.user)
    services = services_for_catalog(request.user).prefetch_related(
        Prefetch(
            "catalog_items",
            queryset=CatalogItem.objects.select_related("fulfilment_team").order_by("name"),
        )
    )
    return render(
        request,
        "servicedesk/catalog_items/manage.html",
        {"services": services, "live": ServiceStatus.LIVE},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def catalog_item_new(request):
    """Add an item to the catalog of a service the user may change."""
    _writer_required(request.user)
    service_id = whole_number(request.GET.get("service"))
    initial = {"service": service_id} if service_id is not None else {}
    page = _ItemPage(request, form_class=ItemForm, initial=initial, item=None)
    if page.saving and page.valid():
        try:
            item = actions.catalog_item_create(
                actor=request.user,
                **page.form.item_fields(),
                form_definition=page.builder.definition(),
            )
        except (ValidationError, DomainError) as exc:
            page.refused(exc)
        else:
            return _saved(request, item, "added to the catalog")
    return page.render()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def catalog_item_edit(request, pk: int):
    """Change an item, based on the version the page was opened at."""
    item = _writable_item(request.user, pk)
    page = _ItemPage(
        request, form_class=ItemEditForm, initial=ItemEditForm.initial_of(item), item=item
    )
    if page.saving and page.valid():
        changes = page.form.changes(item)
        definition = page.builder.definition()
        if definition != _normalised(item.form_definition):
            changes["form_definition"] = definition
        if not changes:
            messages.info(request, "Nothing was changed, so nothing was saved.")
            return _after_save(item)
        try:
            item = actions.catalog_item_update(
                item=item,
                actor=request.user,
                expected_version=page.form.cleaned_data["version"],
                changes=changes,
            )
        except StaleVersion as exc:
            page.rebase(exc)
        except (ValidationError, DomainError) as exc:
            page.refused(exc)
        else:
            return _saved(request, item, "saved")
    return page.render()


def _saved(request, item: CatalogItem, done: str):
    if _orderable(item):
        messages.success(request, f"“{item.name}” {done}.")
    else:
        why = (
            "it is not active"
            if not item.active
            else f"its service is {item.service.get_status_display().lower()}"
        )
        messages.success(
            request, f"“{item.name}” {done}. Requesters do not see it in the catalog while {why}."
        )
    return _after_save(item)


def _after_save(item: CatalogItem):
    """The item's page; the list of items for one the catalog does not show (its page is a
    404 then, for everyone)."""
    if _orderable(item):
        return redirect("servicedesk:catalog_item", pk=item.pk)
    return redirect(reverse("servicedesk:catalog_manage") + f"#item-{item.pk}")


class _ItemPage:
    """The add or edit page: the item's form, the builder's rows, the preview of the
    requesters' form, and the status they answer with."""

    def __init__(self, request, *, form_class, initial: dict, item: CatalogItem | None):
        self.request, self.item = request, item
        data = submitted(request)
        self.more = data is not None and MORE in data
        self.saving = data is not None and not (self.more or PREVIEW in data)
        self.refusal: Exception | None = None
        user = request.user
        # The item's approver as stored: named under the box, and kept by a save of other
        # fields even if they have left (catalog_approvers).
        self.kept = {"approver": item.approver if item else None}
        if data is not None and not self.saving:
            # Not a save: the fields come back as typed, without errors the user did not ask
            # for; the rows are checked (that is what the preview needs).
            self.form = form_class(user=user, initial=_typed(data, form_class), **self.kept)
        else:
            self.form = form_class(data, user=user, initial=initial, **self.kept)
        if self.more:
            data = one_more_row(data, BUILDER_PREFIX, MAX_FIELDS)
        self.builder = FieldRowFormSet(data, initial=rows_of(item.form_definition) if item else [])
        if self.more and self.builder.forms:
            self.builder.forms[-1].fields["label"].widget.attrs["autofocus"] = True

    def valid(self) -> bool:
        form_ok = self.form.is_valid()
        return self.builder.is_valid() and form_ok

    def refused(self, exc: Exception) -> None:
        """A write the action refused: its field errors beside the fields (the form
        definition's above the rows), a domain refusal (403, 409) as a message."""
        self.refusal = exc
        if isinstance(exc, DomainError):
            messages.error(self.request, exc.detail)
            return
        for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
            if field == "form_definition":
                self.builder.definition_errors.extend(errors)
            else:
                self.form.add_error(field if field in self.form.fields else None, errors)

    def rebase(self, exc: StaleVersion) -> None:
        """412: the form again as typed, now based on the current version (a second save
        overwrites knowingly), and why nothing was saved."""
        self.refusal = exc
        current = exc.extra["current_version"]
        data = self.request.POST.copy()
        data["version"] = str(current)
        self.form = ItemEditForm(data, user=self.request.user, **self.kept)
        self.form.is_valid()
        messages.error(self.request, STALE.format(version=current))

    def status(self) -> int:
        status = form_status(self.form, self.refusal)
        if status == 200 and self.builder.is_bound and not self.builder.is_valid():
            return 400
        return status

    def render(self):
        builder, item = self.builder, self.item
        status = self.status()
        if self.saving and status == 400 and not isinstance(self.refusal, DomainError):
            messages.error(self.request, NOT_SAVED)
        definition = (
            builder.definition() if builder.is_bound else (item.form_definition if item else [])
        )
        history = []
        if item is not None:
            history = history_for(item).order_by("-created_at", "-id")[:HISTORY_SHOWN]
        preview = None
        if definition is not None:
            # Its person fields list the people the editor (staff) may order for.
            preview = RequesterForm(definition, prefix="preview", actor=self.request.user)
        return render(
            self.request,
            "servicedesk/catalog_items/form.html",
            {
                "item": item,
                "orderable": item is not None and _orderable(item),
                "form": self.form,
                "builder": builder,
                "room_for_more": builder.total_form_count() < MAX_FIELDS,
                "preview": preview,
                "definition_json": None if definition is None else json.dumps(definition, indent=2),
                "type_notes": [(k, TYPE_LABELS[k], note) for k, note in TYPE_NOTES.items()],
                "history": history,
            },
            status=status,
        )


def _normalised(definition) -> list[dict] | None:
    """A stored definition with its defaults filled in (rows written by other means, such
    as the admin or a data load, may leave them out); None if it no longer passes."""
    try:
        return definition_clean(definition)
    except ValidationError:
        return None


def _typed(data, form_class) -> dict:
    """What was typed, as a form's initial values (a field left out of the POST, such as an
    unticked box, reads as empty)."""
    return {name: data.get(name) for name in form_class.base_fields}
