"""Every API error is JSON: {"detail", "code", "fields"} (plus "allowed" for 409s)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from core.exceptions import DomainError


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {k: _messages(v) for k, v in detail.items()}
    return {}


def _messages(value) -> list[str] | dict:
    if isinstance(value, dict):
        return {k: _messages(v) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, dict):
                return [_messages(x) for x in value]
            out.append(str(v))
        return out
    return [str(value)]


def validation_error_body(errors) -> dict:
    """The JSON body of a 400 for serializer errors (a dict of fields, or a list)."""
    fields = _flatten(errors)
    if isinstance(errors, list):
        detail = " ".join(str(d) for d in errors)
    else:
        detail = fields.pop("non_field_errors", None)
        detail = " ".join(detail) if detail else "Invalid input."
    return {"detail": detail, "code": "invalid", "fields": fields}


def _errors_as_json(context) -> None:
    """An error is JSON whatever the success body would have been (CSV, XLSX, iCalendar):
    the schema documents one Error object, and a spreadsheet of an error helps nobody."""
    request = context.get("request")
    if request is None or isinstance(
        getattr(request, "accepted_renderer", None), BrowsableAPIRenderer
    ):
        return
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = JSONRenderer.media_type


def api_exception_handler(exc, context):
    response = _api_error_response(exc, context)
    if response is not None:
        _errors_as_json(context)
    return response


def _api_error_response(exc, context):
    if isinstance(exc, RecursionError):
        # The JSON parser recurses once per nesting level: a body nested 100,000 deep
        # is bad input (400), not a server error.
        exc = exceptions.ParseError("The request body is nested too deeply.")
    if isinstance(exc, DomainError):
        set_rollback()
        body = {"detail": exc.detail, "code": exc.code, "fields": exc.fields, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        detail = "; ".join(exc.messages) if not fields else "Invalid input."
        return Response(
            {"detail": detail, "code": "invalid", "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(exc.detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "detail": str(getattr(exc, "detail", exc)),
            "code": codes if isinstance(codes, str) else "error",
            "fields": {},
        }
    return response
