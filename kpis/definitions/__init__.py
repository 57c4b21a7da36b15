"""KPI definitions; importing the package registers every KPI (kpis/apps.py does).

A compute function's docstring, first paragraph, is the definition shown in the API and on
the dashboards. The service-management KPIs (incidents, satisfaction, sla, availability,
costs, improvements) answer for one window and one scope kind with grouped SQL aggregates.
"""

# The import order is the registry order (service KPIs first), which the lists follow.
from kpis.definitions import incidents  # noqa: I001, F401
from kpis.definitions import satisfaction  # noqa: F401
from kpis.definitions import sla  # noqa: F401
from kpis.definitions import availability  # noqa: F401
from kpis.definitions import costs  # noqa: F401
from kpis.definitions import improvements  # noqa: F401
from kpis.definitions import projects  # noqa: F401
