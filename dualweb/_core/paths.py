"""Route path templates: ``/items/{item_id}``, ``/files/{rest:path}``, ``/n/{n:int}``.

The template syntax is FastAPI's (Starlette's), and this module is its only
parser: a route's parameter names, its ``path_format``, the shape used to find
clashes and overlaps, and the rule a host registers are all read from one
``PathTemplate``. The core keeps a regex per template to match in declaration
order where a host's own matcher would choose differently.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import DualwebError

__all__ = ["CONVERTORS", "PathTemplate", "Segment", "template"]

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")

#: convertor name -> (regex, conversion of the matched text)
CONVERTORS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "str": ("[^/]+", str),
    "path": (".*", str),
    "int": ("[0-9]+", int),
    "float": (r"[0-9]+(?:\.[0-9]+)?", float),
    "uuid": (
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
    ),
}


@dataclass(frozen=True)
class Segment:
    """A literal run of the path (``param`` is None) or one parameter."""

    text: str
    param: str | None = None
    convertor: str = "str"


class PathTemplate:
    """A parsed route path."""

    __slots__ = ("path", "regex", "segments")

    def __init__(self, path: str) -> None:
        self.path = path
        segments: list[Segment] = []
        pattern = "^"
        position = 0
        seen: set[str] = set()
        for match in _PARAM.finditer(path):
            name, convertor = match.group(1), match.group(2) or "str"
            if convertor not in CONVERTORS:
                raise DualwebError(f"unknown path convertor {convertor!r} in {path!r}")
            if name in seen:
                raise DualwebError(f"duplicated parameter name {name!r} in path {path!r}")
            seen.add(name)
            literal = path[position : match.start()]
            if literal:
                segments.append(Segment(literal))
                pattern += re.escape(literal)
            segments.append(Segment(match.group(0), name, convertor))
            pattern += f"(?P<{name}>{CONVERTORS[convertor][0]})"
            position = match.end()
        if path[position:]:
            segments.append(Segment(path[position:]))
            pattern += re.escape(path[position:])
        self.segments = tuple(segments)
        self.regex = re.compile(pattern + "$")

    @property
    def param_names(self) -> list[str]:
        """The parameters' names, in path order."""
        return [s.param for s in self.segments if s.param is not None]

    @property
    def path_format(self) -> str:
        """The path with convertors dropped (``/files/{rest:path}`` -> ``/files/{rest}``)."""
        return "".join(s.text if s.param is None else f"{{{s.param}}}" for s in self.segments)

    @property
    def shape(self) -> str:
        """The path with every parameter blanked (``/items/{}``): routes of one shape clash."""
        return self.shape_of(self.path)

    @staticmethod
    def shape_of(path: str) -> str:
        """The shape of any path in this syntax, convertors the core does not know included
        (a Starlette app may register its own)."""
        return _PARAM.sub("{}", path)

    def werkzeug_rule(
        self, converters: Mapping[str, str], reserved: Collection[str] = ()
    ) -> tuple[str, dict[str, str]]:
        """This template as a Werkzeug (Flask) rule, and its variables' parameter names.

        ``converters`` names the Werkzeug converter that matches each convertor. A
        variable keeps its parameter's name (every name this syntax takes is one
        Werkzeug takes), unless the name is ``reserved`` (one the host's link
        builder takes for itself): it then gets ``_`` appended until it is free.
        """
        taken = set(self.param_names) | set(reserved)
        text = ""
        names: dict[str, str] = {}
        for segment in self.segments:
            if segment.param is None:
                text += segment.text.replace("<", "%3C").replace(">", "%3E")
                continue
            variable = segment.param
            if variable in reserved:
                while variable in taken:
                    variable += "_"
                taken.add(variable)
            names[variable] = segment.param
            text += f"<{converters[segment.convertor]}:{variable}>"
        return text, names

    @property
    def is_static(self) -> bool:
        return all(s.param is None for s in self.segments)

    @property
    def shape_key(self) -> tuple[int, str | None] | None:
        """(segment count, first segment if literal): templates with different keys never
        match the same path; ``None`` for a template with a ``path`` parameter (any length)."""
        if any(s.convertor == "path" for s in self.segments if s.param is not None):
            return None
        pieces = self.path.split("/")
        first = pieces[1] if len(pieces) > 1 else ""
        return len(pieces), (None if "{" in first else first)

    def may_overlap(self, other: PathTemplate) -> bool:
        """False when no path can match both templates (a cheap, conservative test)."""
        if self.shape_key is None or other.shape_key is None:
            return True
        mine, theirs = self.path.split("/"), other.path.split("/")
        if len(mine) != len(theirs):
            return False
        for a, b in zip(mine, theirs, strict=True):
            a_literal, b_literal = "{" not in a, "{" not in b
            if a_literal and b_literal and a != b:
                return False
            if a_literal != b_literal:
                literal, dynamic = (a, b) if a_literal else (b, a)
                if _piece_regex(dynamic).fullmatch(literal) is None:
                    return False
        return True

    def match(self, path: str) -> dict[str, Any] | None:
        """The converted parameters when ``path`` matches this template."""
        found = self.regex.match(path)
        if found is None:
            return None
        return {
            s.param: CONVERTORS[s.convertor][1](found.group(s.param))
            for s in self.segments
            if s.param is not None
        }


def _piece_regex(piece: str) -> re.Pattern[str]:
    """The regex of one path segment holding parameters (``{id}``, ``{name}.txt``)."""
    pattern = ""
    position = 0
    for match in _PARAM.finditer(piece):
        pattern += re.escape(piece[position : match.start()])
        pattern += f"(?:{CONVERTORS[match.group(2) or 'str'][0]})"
        position = match.end()
    return re.compile(pattern + re.escape(piece[position:]))


@functools.lru_cache(maxsize=4096)
def template(path: str) -> PathTemplate:
    """The parsed template of ``path`` (parsed once: routes and their dependencies share it)."""
    return PathTemplate(path)
