"""The service page's "Edit service" and lifecycle buttons, and the list's "New service":
shown by the rules that decide the writes (servicedesk.lifecycle service_may_run, the moves'
own `may`, service_may_create), asked without a query."""

from django import template

from servicedesk.lifecycle import SERVICE_LIFECYCLE, service_may_create, service_may_run

register = template.Library()


@register.inclusion_tag("servicedesk/services/_controls.html", takes_context=True)
def service_controls(context, service):
    """{% service_controls service %}: Edit service and the moves allowed now, for those who
    may run the service; nothing for others."""
    user = context["request"].user
    return {
        "service": service,
        "may_run": service_may_run(service, user),
        "moves": SERVICE_LIFECYCLE.allowed_for(service, user),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def creates_services(user) -> bool:
    """{% if user|creates_services %}: the user may add services."""
    return service_may_create(user)
