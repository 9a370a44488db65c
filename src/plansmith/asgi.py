"""The ASGI entry point: ``uvicorn --factory plansmith.asgi:create_app`` (what ``plansmith serve``
runs). Settings come from the environment, so every worker process builds the same app."""

from __future__ import annotations

from fastapi import FastAPI

from plansmith.api.app import build_app
from plansmith.config import load_settings


def create_app() -> FastAPI:
    return build_app(load_settings())
