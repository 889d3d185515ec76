"""Checks every host makes when mounting, kept here so that they cannot drift apart."""

from __future__ import annotations

import re
from typing import Any

from .exceptions import DualwebError
from .routing import Router

__all__ = ["DOCS_OPTIONS", "check_docs_options", "check_new_mount", "route_shape"]

#: The documentation keywords of FastAPI's constructor, with its defaults.
DOCS_OPTIONS: dict[str, Any] = {
    "title": "FastAPI",
    "summary": None,
    "description": "",
    "version": "0.1.0",
    "openapi_url": "/openapi.json",
    "docs_url": "/docs",
    "redoc_url": "/redoc",
    "openapi_tags": None,
    "servers": None,
    "terms_of_service": None,
    "contact": None,
    "license_info": None,
    "root_path": "",
    "swagger_ui_parameters": None,
    "separate_input_output_schemas": True,
}

_PARAM = re.compile(r"{[^{}]*}|<[^<>]*>")


def check_docs_options(options: dict[str, Any]) -> dict[str, Any]:
    """The documentation options with defaults filled in; unknown names are an error."""
    unknown = set(options) - set(DOCS_OPTIONS)
    if unknown:
        raise TypeError(f"mount() got unexpected keyword(s): {', '.join(sorted(unknown))}")
    return {**DOCS_OPTIONS, **options}


def check_new_mount(mounts: list[tuple[Router, str]], router: Router, prefix: str) -> None:
    """Refuse to mount the same router twice under the same prefix of one app."""
    for mounted, mounted_prefix in mounts:
        if mounted is router and mounted_prefix == prefix:
            where = f" under prefix {prefix!r}" if prefix else ""
            raise DualwebError(f"this router is already mounted on this app{where}")


def route_shape(path: str) -> str:
    """A path with every parameter blanked, in Flask's or FastAPI's syntax alike."""
    return _PARAM.sub("{}", path)
