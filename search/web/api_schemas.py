"""Pieces every API endpoint shares: the error envelope and the error responses to declare."""

from __future__ import annotations

from typing import Literal

from ninja import Schema


class Error(Schema):
    """The one error shape of the API."""

    ok: Literal[False]
    error: str
    status: int


# Declare these on every operation: response={200: MyResponse, **ERRORS}.
ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 422: Error}
