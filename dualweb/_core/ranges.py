"""``Range`` headers: which byte ranges of a file a request asks for (RFC 9110, section 14)."""

from __future__ import annotations

__all__ = ["RangeError", "parse_ranges"]


class RangeError(Exception):
    """A ``Range`` header that cannot be served: 400, or 416 when ``size`` is set."""

    def __init__(self, message: str = "Malformed range header.", size: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.size = size


def parse_ranges(header: str, size: int, max_ranges: int) -> list[tuple[int, int]]:
    """The (start, end) byte ranges a ``Range`` header asks of a file, merged and sorted.

    An empty list means "send the whole file"; a malformed header or a range
    starting past the end raise ``RangeError`` (400 and 416).
    """
    units, sep, spec = header.partition("=")
    if not sep:
        raise RangeError()
    if units.strip().lower() != "bytes":
        raise RangeError("Only support bytes range")
    if spec.count(",") + 1 > max_ranges:
        return []
    ranges: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (first or last):
            continue
        try:
            if first:
                start = int(first)
                end = int(last) + 1 if last and int(last) < size else size
            else:
                start, end = max(size - int(last), 0), size
        except ValueError:
            continue
        ranges.append((start, end))
    if not ranges:
        raise RangeError("Range header: range must be requested")
    if any(not 0 <= start < size for start, _ in ranges):
        raise RangeError(size=size)
    if any(start >= end for start, end in ranges):
        raise RangeError("Range header: start must be less than end")
    if len(ranges) == 1:
        return ranges
    ranges.sort()
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
