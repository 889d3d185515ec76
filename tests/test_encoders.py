"""``jsonable_encoder`` gives FastAPI's result for every kind of value, with every option."""

import dataclasses
import datetime
import enum
import json
import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import fastapi.encoders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dualweb.encoders import jsonable_encoder


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class Level(enum.IntEnum):
    LOW = 1


class Point(BaseModel):
    x: int
    label: str | None = None
    when: datetime.date | None = None


@dataclasses.dataclass
class Pair:
    left: Any
    right: Any


plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**80),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
scalars = st.one_of(
    plain,
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.text(max_size=5).map(str.encode),
    st.sampled_from(list(Colour) + list(Level)),
    st.text(max_size=5).map(lambda text: PurePosixPath("/tmp", text)),
    st.builds(
        Point, x=st.integers(), label=st.none() | st.text(max_size=4), when=st.none() | st.dates()
    ),
)
keys = st.one_of(st.text(max_size=5), st.sampled_from(["_sa_state", "_salt", "id"]), st.integers())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.frozensets(plain.filter(lambda v: not isinstance(v, float)), max_size=3),
        st.dictionaries(keys, inner, max_size=4),
        st.builds(Pair, inner, inner),
    ),
    max_leaves=20,
)
options = st.fixed_dictionaries(
    {},
    optional={
        "exclude_none": st.booleans(),
        "sqlalchemy_safe": st.booleans(),
        "by_alias": st.booleans(),
        "exclude_unset": st.booleans(),
        "exclude_defaults": st.booleans(),
    },
)


def outcome(encoder: Any, value: Any, chosen: dict[str, Any]) -> tuple[str, str]:
    """What ``encoder`` made of ``value``, comparable: its result as JSON text (dicts' order
    included), or the class of the error it raised."""
    try:
        result = encoder(value, **chosen)
    except Exception as exc:
        return "error", type(exc).__name__
    return "ok", json.dumps(result, allow_nan=True, default=repr)


@settings(max_examples=400, deadline=None)
@given(values, options)
def test_the_encoder_gives_fastapis_result(value, chosen):
    assert outcome(jsonable_encoder, value, chosen) == outcome(
        fastapi.encoders.jsonable_encoder, value, chosen
    )


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": None, "_sa_instance_state": object()},
        [{"when": datetime.datetime(2024, 5, 1, 12, 30)}, {"id": uuid.UUID(int=7)}],
        {"price": Decimal("1.50"), "whole": Decimal("10"), "set": {3}},
        {1: "int key", (1, 2): "tuple key", Colour.RED: "enum key"},
        {"nan": float("nan"), "inf": float("inf")},
    ],
)
@pytest.mark.parametrize(
    "chosen",
    [{}, {"include": {"a", "price", 1}}, {"exclude": {"b"}}, {"custom_encoder": {int: str}}],
)
def test_the_encoder_gives_fastapis_result_with_include_exclude_and_custom_encoders(value, chosen):
    assert outcome(jsonable_encoder, value, chosen) == outcome(
        fastapi.encoders.jsonable_encoder, value, chosen
    )


def test_bytes_that_are_not_utf8_fail_as_in_fastapi():
    with pytest.raises(UnicodeDecodeError):
        fastapi.encoders.jsonable_encoder({"raw": b"\xff"})
    with pytest.raises(UnicodeDecodeError):
        jsonable_encoder({"raw": b"\xff"})
