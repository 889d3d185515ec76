"""How deeply a JSON body nests, measured before it is parsed, cheaply.

A JSON parser recurses once per nested array or object, and so does everything
that walks the result after it (validation, ``jsonable_encoder``, a 422 that
echoes the input). A body nested a few hundred levels deep is a few hundred
bytes, yet it can exhaust Python's recursion limit on the way and turn a bad
request into a server error; ``too_deep`` refuses it first.

The check costs next to nothing for the bodies an API usually receives: a body
cannot nest deeper than it has bytes, nor deeper than it has opening brackets
(two ``bytes.count`` calls). Only a body with more opening brackets than the
limit is measured exactly, still without a Python-level loop over its bytes:
``bytes.translate`` keeps only its quotes and brackets, the strings among them
are dropped (a bracket in a string does not count), and ``itertools.accumulate``
sums the running depth of what is left.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate, count
from operator import indexOf, sub

from pydantic_core import from_json

__all__ = ["DEFAULT_MAX_JSON_DEPTH", "PARSER_DEPTH", "too_deep"]


def _parser_depth() -> int:
    """How deeply pydantic's JSON parser nests before it refuses a body (measured once)."""
    low, high = 1, 1024  # it takes ``low`` levels; it refuses ``high``, or takes them all
    while high - low > 1:
        middle = (low + high) // 2
        try:
            from_json(b"[" * middle + b"]" * middle)
        except ValueError:
            high = middle
        else:
            low = middle
    return low


#: The levels pydantic's JSON parser takes (201 with pydantic-core 2): every JSON body
#: dualweb reads goes through it first, so a deeper one never costs a measurement unless
#: it also fails that parser and goes to the standard library's, which takes ~990.
PARSER_DEPTH = _parser_depth()

#: Arrays and objects a JSON body may nest unless a route says otherwise: what pydantic's
#: parser takes, so that checking the default costs nothing on the way of a body that
#: parses (below the 256 levels its serializer writes: a body within it can be echoed back).
#: NOTE: a limit below it is checked before parsing (the bracket count first, so only a
#: body with more brackets than the limit is measured exactly).
DEFAULT_MAX_JSON_DEPTH = min(PARSER_DEPTH, 256)

_ALL = bytes(range(256))
_NOT_STRUCTURE = bytes(b for b in _ALL if b not in b'"[]{}')
# A backslash before a backslash or a quote: the escapes that could hide a quote.
_ESCAPE = re.compile(rb'\\[\\"]')
# As signed bytes: an opening bracket +1, a closing one -1.
_SIGNED = bytes(1 if b in b"[{" else 255 if b in b"]}" else 0 for b in _ALL)
# Every byte but a bracket as 1, so that the running sum less the position is the depth.
_STEPS = bytes(2 if b in b"[{" else 0 if b in b"]}" else 1 for b in _ALL)


def too_deep(body: bytes, limit: int) -> int | None:
    """The offset (in characters) of the first bracket that nests ``body`` deeper than
    ``limit`` levels of arrays and objects, or None when it nests no deeper.

    Brackets in strings do not count; a string left open hides the rest of the body,
    as it does from a parser.
    """
    if len(body) <= limit or body.count(b"[") + body.count(b"{") <= limit:
        return None
    brackets = _outside_strings(_unescaped(body, b"").translate(None, _NOT_STRUCTURE))
    if not brackets or max(accumulate(array("b", brackets.translate(_SIGNED)))) <= limit:
        return None
    return _offset(body, limit)


def _unescaped(body: bytes, blank: bytes) -> bytes:
    # The escapes that involve a quote or a backslash, each as ``blank``: then a quote
    # always opens or closes a string. (Left to right, as a parser pairs backslashes.)
    if b"\\" not in body:
        return body
    return _ESCAPE.sub(blank, body)


def _outside_strings(structure: bytes) -> bytes:
    # ``structure`` holds only quotes and brackets. Two quotes side by side are an empty
    # string, or the end of one and the start of the next: dropping them leaves every
    # bracket as much inside or outside a string as it was, and most bodies without a
    # quote. What quotes are left enclose brackets, every other piece between them.
    if b'"' not in structure:
        return structure
    structure = structure.replace(b'""', b"")
    if b'"' not in structure:
        return structure
    # (A string left open: the pieces after its quote are dropped with it.)
    return b"".join(structure.split(b'"')[::2])


def _offset(body: bytes, limit: int) -> int:
    # Only for a body refused: where it goes too deep, found with the body's length kept
    # (escapes and strings blanked, not removed), so that offsets stay the body's.
    blanked = _unescaped(body, b"__")
    pieces = blanked.split(b'"')
    for index in range(1, len(pieces), 2):
        pieces[index] = b"_" * len(pieces[index])
    if len(pieces) % 2 == 0:  # a string left open hides the rest
        pieces.pop()
    blanked = b'"'.join(pieces)
    depths = map(sub, accumulate(blanked.translate(_STEPS)), count(1))
    try:
        index = indexOf(depths, limit + 1)
    except ValueError:  # never, as too_deep measured it; the body's start will do
        index = 0
    return len(body[:index].decode("utf-8", "replace"))
