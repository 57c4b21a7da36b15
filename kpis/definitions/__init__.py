"""KPI definitions; importing the package registers every KPI (kpis/apps.py does)."""

from kpis.definitions import service  # noqa: I001, F401  (service KPIs first: registry order)
from kpis.definitions import projects  # noqa: F401
