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
import fastapi.responses
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dualweb.encoders import json_bytes, jsonable_encoder
from tests._helpers import installed_below


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
#: The options, each drawn or left out. NOTE: before FastAPI 0.141, FastAPI's encoder did not
#: pass ``exclude_defaults`` on to a dict's values (a model in a dict kept its defaults);
#: dualweb's is the newer one's, so below 0.141 that option is not compared.
OPTIONAL = {
    "exclude_none": st.booleans(),
    "sqlalchemy_safe": st.booleans(),
    "by_alias": st.booleans(),
    "exclude_unset": st.booleans(),
    **({} if installed_below("fastapi", "0.141") else {"exclude_defaults": st.booleans()}),
}
options = st.fixed_dictionaries({}, optional=OPTIONAL)


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


# --- json_bytes: the body of a value returned without a response model, from pydantic-core


def fastapi_body(value: Any) -> tuple[str, Any]:
    """The body FastAPI sends for ``value`` returned without a response model, or the
    class of the error it raises making it."""
    try:
        content = fastapi.encoders.jsonable_encoder(value)
        return "ok", fastapi.responses.JSONResponse(content).body
    except Exception as exc:
        return "error", type(exc).__name__


#: Floats of every magnitude (the two libraries write them alike between 1e-4 and 1e16
#: only), NaN and the infinities, and ints beyond what Python writes as a string.
floats = st.one_of(
    st.floats(),
    st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-12, 20)),
    st.sampled_from([0.0, -0.0, 1e-4, 9.999e-5, 1e16, 9999999999999998.0, 1e-9, 1.5e-7]),
)
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=6)
json_plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(4500).map(lambda digits: 10**digits),
    floats,
    texts,
    st.sampled_from(["_sa_x", '"_sa', "\ud800", '\x00\x1f\x7f\u2028\\"/']),
)
json_keys = st.one_of(
    texts, st.sampled_from(["_sa_state", "_salt", "None"]), st.integers(), st.none(), st.booleans()
)


def json_trees(leaves: Any, keys: Any) -> Any:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=3).map(tuple),
            st.dictionaries(keys, inner, max_size=4),
        ),
        max_leaves=25,
    )


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(json_trees(json_plain, texts), json_trees(st.one_of(json_plain, scalars), json_keys))
)
def test_json_bytes_are_fastapis_body_or_nothing(value):
    # None sends the value down jsonable_encoder's path (held to FastAPI's above).
    body = json_bytes(value)
    if body is not None:
        assert fastapi_body(value) == ("ok", body)


@pytest.mark.parametrize(
    "value",
    [
        {"item_id": 42, "q": "teapot", "limit": 5, "price": 12.5, "ok": True, "none": None},
        [{"id": i, "name": f"item {i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(50)],
        ("a", [1, 2.25, {"nested": {"deep": [0.0001, 123456789.0, -0.0]}}]),
        {"text": 'é \u2028 \x00 \\ " / 😀'},
        Point(x=1, label="p", when=datetime.date(2024, 5, 1)),
        "just a string",
        3,
        None,
    ],
)
def test_json_bytes_writes_plain_values_at_once(value):
    # The fast path is taken for what handlers commonly return, and is FastAPI's body.
    body = json_bytes(value)
    assert body is not None
    assert fastapi_body(value) == ("ok", body)


@pytest.mark.parametrize(
    "value",
    [
        {"small": 1e-5},
        {"large": 1e16},
        {"nan": float("nan")},
        {"_sa_instance_state": 1, "id": 2},
        {1: "int key"},
        {"when": datetime.date(2024, 5, 1)},
        {"price": Decimal("1.5")},
        {"huge": 10**4400},
        ["\ud800"],
        {"set": {1, 2}},
    ],
)
def test_json_bytes_leaves_the_rest_to_the_encoder(value):
    assert json_bytes(value) is None


class Dumped(BaseModel):
    """A model whose own model_dump the encoder calls, as FastAPI's does."""

    x: int

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return {"x": self.x, "dumped": True}


def test_json_bytes_calls_a_models_own_model_dump():
    assert json_bytes(Dumped(x=1)) == fastapi_body(Dumped(x=1))[1] == b'{"x":1,"dumped":true}'
