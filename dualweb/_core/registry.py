"""Where the hosts keep their per-app state (the mounts, the docs sites, the lifespan)."""

from __future__ import annotations

from typing import Any

__all__ = ["app_registry"]


def app_registry(app: Any) -> dict[str, Any] | None:
    """The per-app state a host keeps on ``app``; None where no router was mounted on it.

    The Flask host keeps it among the app's extensions (Flask's place for an
    extension's state), the Starlette host on the app object itself.
    """
    extensions = getattr(app, "extensions", None)
    registry = extensions.get("dualweb") if isinstance(extensions, dict) else None
    if registry is None and hasattr(app, "__dict__"):
        registry = vars(app).get("_dualweb")
    return registry if isinstance(registry, dict) else None
