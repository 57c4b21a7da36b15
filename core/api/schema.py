"""OpenAPI post-processing: the error answers every operation can give, documented once.

Every endpoint may answer 401 (no or bad token), 403 (role), 404 (not visible or no such
object), 400 (bad input, including query parameters and a `version` that is no whole
number) and 429 (throttled); writes may also answer 409 (state conflict). A version-checked
write (one that names the If-Match header: core.api.concurrency) also answers 412 (stale)
and 428 (no version sent), and no other operation does. The body is always the Error object
of core/api/exceptions.py.
"""

from core.api.schema_fields import NO_NUL

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail", "code"],
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Invalid input: {detail, code, fields}",
    "401": "Not signed in, or the token is invalid, expired or revoked",
    "403": "Your role may not do this",
    "404": "Not found, or not visible to you",
    "409": "Not allowed in the object's current state",
    "412": "Stale version: the object changed since you read it",
    "428": "Send the object's version (or If-Match)",
    "429": "Too many requests",
}
ALL = ("400", "401", "403", "404", "429")
WRITES = ("409",)
VERSIONED = ("412", "428")


def document_empty_query_values(result, generator, request, public):
    """An optional query parameter sent empty (`?status=&q=`, what an HTML filter form submits)
    means "not given": say so with `allowEmptyValue`. Text parameters refuse NUL characters."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                if not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
                schema = parameter.get("schema", {})
                plain_text = not {"pattern", "enum", "format"} & set(schema)
                if schema.get("type") == "string" and plain_text:
                    # A NUL anywhere in the query string is a 400 before any view runs
                    # (core.middleware.RefuseNulMiddleware), `ordering` included.
                    schema["pattern"] = NO_NUL
    return result


def _version_checked(operation: dict) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name") == "If-Match"
        for parameter in operation.get("parameters", [])
    )


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = list(ALL)
            if method in ("post", "put", "patch", "delete"):
                codes += WRITES
            if _version_checked(operation):
                codes += VERSIONED
            responses = operation["responses"]
            for code in codes:
                entry = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                entry.setdefault("description", DESCRIPTIONS[code])
                entry.setdefault("content", {"application/json": {"schema": ref}})
    return result
