"""The service error tree: each class's HTTP status and default code are part of the API."""

from __future__ import annotations

import pytest

from plansmith.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NotSignedIn,
    PreconditionRequired,
    ServiceError,
    TooLarge,
    TooManyRequests,
)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        (ServiceError, 400, "bad_request"),
        (Invalid, 422, "invalid"),
        (NotSignedIn, 401, "not_signed_in"),
        (Forbidden, 403, "forbidden"),
        (NotFound, 404, "not_found"),
        (Conflict, 409, "conflict"),
        (TooLarge, 413, "upload_too_large"),
        (PreconditionRequired, 428, "if_match_required"),
        (TooManyRequests, 429, "too_many_attempts"),
    ],
)
def test_each_error_has_its_status_and_code(
    kind: type[ServiceError], status: int, code: str
) -> None:
    problem = kind("message")
    assert (problem.status, problem.code, problem.message) == (status, code, "message")
    assert kind("m", code="other").code == "other"
