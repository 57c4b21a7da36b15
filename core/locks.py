"""The row a change is about, locked for it.

A view reads the row, then the action locks it; a request that committed in between may have
deleted it (a double-clicked Cancel, two admins deleting one calendar). That is a 404 for
the later request, as if it had asked a moment later — not an unhandled DoesNotExist (500).
"""

from django.http import Http404


def row_locked(model, pk):
    """Row `pk` of `model`, locked until the transaction ends; 404 when it is gone."""
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist:
        name = model._meta.verbose_name
        raise Http404(f"This {name} no longer exists: it was deleted a moment ago.") from None
