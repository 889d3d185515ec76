"""The merge of user-given OpenAPI fragments into the generated ones, as FastAPI merges them."""

from __future__ import annotations

from typing import Any


def deep_dict_update(main: dict[Any, Any], update: dict[Any, Any]) -> None:
    """Merge ``update`` into ``main``: dicts recursively, lists concatenated, the rest replaced."""
    for key, value in update.items():
        if key in main and isinstance(main[key], dict) and isinstance(value, dict):
            deep_dict_update(main[key], value)
        elif key in main and isinstance(main[key], list) and isinstance(value, list):
            main[key] = main[key] + value
        else:
            main[key] = value
