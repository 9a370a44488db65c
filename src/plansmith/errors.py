"""The errors services raise for a caller's mistake, each with a stable code and an HTTP status.

::

    ServiceError                 code, message, diagnostics; status for the API
    ├── Invalid          422     the request's content is wrong (diagnostics say where)
    ├── NotSignedIn      401     no valid session or token
    ├── Forbidden        403     signed in, but the role does not allow it
    ├── NotFound         404     no such thing, or not visible to this caller
    ├── Conflict         409     a stale version, a duplicate key, a pool disagreement
    ├── TooLarge         413     an upload over the size limit
    ├── PreconditionRequired 428 an update without If-Match
    └── TooManyRequests  429     sign-in attempts over the limit

Faces map these at their boundary (the API to ``{code, message, diagnostics}``, the CLI to one
line per problem); a bug is anything else, and is never dressed up as one of these.
"""

from __future__ import annotations

from collections.abc import Sequence

from plansmith.domain.diagnostics import Diagnostic


class ServiceError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        diagnostics: Sequence[Diagnostic] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.diagnostics = tuple(diagnostics)


class Invalid(ServiceError):
    status = 422
    default_code = "invalid"


class NotSignedIn(ServiceError):
    status = 401
    default_code = "not_signed_in"


class Forbidden(ServiceError):
    status = 403
    default_code = "forbidden"


class NotFound(ServiceError):
    status = 404
    default_code = "not_found"


class Conflict(ServiceError):
    status = 409
    default_code = "conflict"


class PreconditionRequired(ServiceError):
    status = 428
    default_code = "if_match_required"


class TooLarge(ServiceError):
    status = 413
    default_code = "upload_too_large"


class TooManyRequests(ServiceError):
    status = 429
    default_code = "too_many_attempts"
