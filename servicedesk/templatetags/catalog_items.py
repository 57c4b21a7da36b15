"""Whether the catalog pages show "New item" / "Edit item": the API's rule
(request_actions.catalog_item_may_edit), asked without a query."""

from django import template

from servicedesk.catalog_item_forms import may_write_catalog
from servicedesk.request_actions import catalog_item_may_edit

register = template.Library()


@register.filter
def writes_catalog(user) -> bool:
    """{% if user|writes_catalog %}: the user may change some service's catalog."""
    return may_write_catalog(user)


@register.filter
def may_edit_item(user, item) -> bool:
    """{% if user|may_edit_item:item %}: the user may change this item."""
    return catalog_item_may_edit(user, item.service)
