"""Names that are trimmed and unique ignoring letter case ("Email" and "email " are one name
to the people picking one), for any model with a `name` column.

- `NameUniqueIgnoringCase`: a model mixin that trims the name on clean and tells a clash
  beside `name` (a 400 naming `name` on the API, the message beside the field on the pages);
- `name_unique_ignoring_case(...)`: the database constraint that holds the rule;
- `rename_clashes(...)`: for the migration that adds the constraint: trims existing names
  and tells clashes apart first (the first row keeps its name, later ones get " (2)",
  " (3)"…), each renamed row's version bumped and an audit row written, so the migration
  cannot fail on existing data. It uses only what the migration's `apps` gives it."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models
from django.db.models.functions import Lower
from django.utils import timezone


def name_unique_ignoring_case(*, name: str, message: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(Lower("name"), name=name, violation_error_message=message)


class NameUniqueIgnoringCase:
    """Mixin for a model whose `name` is trimmed and unique ignoring case; `name_taken` is
    the message its `name_unique_ignoring_case` constraint carries."""

    name_taken: str = ""

    def clean_fields(self, exclude=None):
        self.name = (self.name or "").strip()  # "ny " is "ny"
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None):
        """The case-insensitive clash is told beside `name`, as the exact one is."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            clash = [e for e in general if self.name_taken in getattr(e, "messages", [str(e)])]
            rest = [e for e in general if e not in clash]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            if clash and "name" not in errors:
                errors["name"] = [ValidationError(self.name_taken, code="unique")]
            if errors:
                raise ValidationError(errors) from None


def names_told_apart(
    rows: list[tuple[int, str]], *, max_length: int, fallback: str
) -> list[tuple[int, str, str]]:
    """(pk, old, new) for each of `rows` (pk, name), in the order given, whose name must
    change: trimmed (an empty one becomes `fallback`), and a name equal to an earlier one
    ignoring case gets the first " (n)" no row uses."""
    # Every name as it will stand, so that a suffix never takes another row's name.
    reserved = {name.strip().lower() for _, name in rows}
    kept: set[str] = set()
    changed = []
    for pk, old in rows:
        base = old.strip() or fallback
        # A blank name's fallback ("Service") may be another row's name: told apart too.
        blank = not old.strip()
        name, number = base, 1
        while name.lower() in kept or ((number > 1 or blank) and name.lower() in reserved):
            number += 1
            suffix = f" ({number})"
            name = base[: max_length - len(suffix)].rstrip() + suffix
        kept.add(name.lower())
        if name != old:
            changed.append((pk, old, name))
    return changed


def rename_clashes(
    apps,
    *,
    app_label: str,
    model_name: str,
    action: str,
    fallback: str,
    order_by: tuple[str, ...] = ("pk",),
) -> None:
    """In a migration: trim `model_name`'s names and tell apart those that clash ignoring
    case (rows earlier in `order_by` keep theirs), each renamed row with its version bumped
    and an audit row `action` saying old → new."""
    model = apps.get_model(app_label, model_name)
    audit_event = apps.get_model("core", "AuditEvent")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    rows = list(model.objects.order_by(*order_by).values_list("pk", "name"))
    max_length = model._meta.get_field("name").max_length
    changed = names_told_apart(rows, max_length=max_length, fallback=fallback)
    if not changed:
        return
    content_type, _ = content_type_model.objects.get_or_create(
        app_label=app_label, model=model_name.lower()
    )
    now = timezone.now()
    # Two passes: the old exact unique index (if any) holds while rows change, and a trimmed
    # name may equal one another row gives up only later ("Email " before "Email"): every row
    # to change first takes a placeholder no name has, then its new name.
    for pk, _, _ in changed:
        model.objects.filter(pk=pk).update(name=f"\x01{pk}")
    for pk, old, new in changed:
        model.objects.filter(pk=pk).update(name=new, version=models.F("version") + 1)
        audit_event.objects.create(
            actor=None,
            action=action,
            content_type=content_type,
            object_id=str(pk),
            object_repr=new[:200],
            changes={"name": [old, new]},
            created_at=now,
        )
    connection = connections[model.objects.db]
    if connection.vendor == "postgresql":
        # A row updated twice in this transaction queues its deferred foreign-key checks,
        # and PostgreSQL adds no index to a table with checks pending: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
