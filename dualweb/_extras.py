"""What each of dualweb's optional modules needs installed, and the error that names the extra.

dualweb's core needs only pydantic; each host module needs its framework, which one of
dualweb's extras brings. Importing a host module without it raises a
``ModuleNotFoundError`` that says what to install, instead of the bare name of a module
the user never imported.
"""

from __future__ import annotations

import importlib.util

__all__ = ["require"]

#: The name pip knows each package by, where it differs from the name it is imported by.
_DISTRIBUTIONS = {
    "flask": "Flask",
    "werkzeug": "Werkzeug",
    "simple_websocket": "simple-websocket",
    "starlette": "Starlette",
    "fastapi": "FastAPI",
    "python_multipart": "python-multipart",
}


def require(module: str, extra: str, *imports: str) -> None:
    """Raise ``ModuleNotFoundError`` naming ``dualweb[extra]`` when one of ``imports``
    (top-level import names) is not installed; ``module`` is the dualweb module that
    needs them."""
    for name in imports:
        if importlib.util.find_spec(name) is None:
            package = _DISTRIBUTIONS.get(name, name)
            raise ModuleNotFoundError(
                f"{module} needs {package}, which is not installed here: "
                f"pip install 'dualweb[{extra}]'",
                name=name,
            )
