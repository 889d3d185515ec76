"""Serve a dualweb Router on a FastAPI app, beside the app's own routes."""

from __future__ import annotations

from fastapi import FastAPI

from .routing import Router
from .starlette import add_routes

__all__ = ["mount"]


def mount(app: FastAPI, router: Router, *, prefix: str = "") -> None:
    """Serve ``router``'s operations on ``app`` (FastAPI is Starlette: same routes)."""
    add_routes(app, router, prefix)
