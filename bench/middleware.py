"""Counts and times the SQL statements of each request: `X-Bench-Queries` and
`X-Bench-SQL-ms` (time spent in the database driver's execute, round trip included)."""

import time

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count, seconds = 0, 0.0

        def counter(execute, sql, params, many, context):
            nonlocal count, seconds
            count += 1
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                seconds += time.perf_counter() - t0

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        response["X-Bench-SQL-ms"] = f"{seconds * 1000:.2f}"
        return response
