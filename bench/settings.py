"""The app's settings for the bench server: the same, plus a floor endpoint and a query counter.

Neither addition changes a measured request: the counter only wraps the database calls and
adds a response header.
"""

from core.settings import *  # noqa: F403
from core.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
