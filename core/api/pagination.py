from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pagination: every page costs the same at any depth.

    `page_size` is 1–200 (empty: the default); anything else is a 400 on the API (the pages,
    which never offer the parameter, fall back to the default instead)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    strict_page_size = True

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw in ([], [""]) or not self.strict_page_size:  # empty means "not given"
            return super().get_page_size(request)
        value = raw[0]
        well_formed = len(raw) == 1 and value.isascii() and value.isdigit() and len(value) < 4
        if well_formed and 1 <= int(value) <= self.max_page_size:
            return int(value)
        raise ValidationError(
            {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
