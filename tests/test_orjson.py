"""``ORJSONResponse`` and ``UJSONResponse``, as FastAPI 0.165 ships them: deprecated (a
warning each time one is made), rendered by orjson (with FastAPI's options) and ujson, on
every host, compared with native FastAPI; ``default_response_class=`` takes them."""

import datetime
import sys

import fastapi.responses
import pytest
from fastapi.exceptions import FastAPIDeprecationWarning
from pydantic import BaseModel

import dualweb
from dualweb.exceptions import DualwebDeprecationWarning, DualwebError
from dualweb.responses import ORJSONResponse, UJSONResponse

DEPRECATIONS = (DualwebDeprecationWarning, FastAPIDeprecationWarning)


class Event(BaseModel):
    name: str
    at: datetime.datetime


def build(api):
    router = api.Router(default_response_class=api.ORJSONResponse)

    @router.get("/default")
    def default():
        # orjson writes non-string keys as strings and NaN as null (json.dumps refuses it).
        return {"name": "café", 1: [1.5, float("nan")], "big": 1e16}

    @router.get("/model", response_model=Event)
    async def model():
        return {"name": "launch", "at": datetime.datetime(2024, 1, 2, 3, 4, 5), "extra": 1}

    @router.get("/status", status_code=201)
    def status():
        return ["created"]

    @router.get("/returned")
    def returned():
        return api.ORJSONResponse({"returned": True}, status_code=202, headers={"x-a": "1"})

    @router.get("/ujson", response_class=api.UJSONResponse)
    def ujson():
        return {"name": "café", "n": [1, 2.5]}

    @router.get("/json", response_class=api.JSONResponse)
    def json():
        return {"plain": "JSONResponse wins on the operation"}

    return router


def test_orjson_and_ujson_responses_answer_as_on_fastapi(parity):
    with pytest.warns(DEPRECATIONS):
        default, model, status, returned, ujson, json = parity(
            build,
            [
                ("GET", "/default"),
                ("GET", "/model"),
                ("GET", "/status"),
                ("GET", "/returned"),
                ("GET", "/ujson"),
                ("GET", "/json"),
            ],
        )
    assert default.content == '{"name":"café","1":[1.5,null],"big":1e+16}'.encode()
    assert model.json() == {"name": "launch", "at": "2024-01-02T03:04:05"}
    assert (status.status_code, status.json()) == (201, ["created"])
    assert (returned.status_code, returned.headers["x-a"]) == (202, "1")
    assert ujson.content == '{"name":"café","n":[1,2.5]}'.encode()
    assert json.json() == {"plain": "JSONResponse wins on the operation"}


def test_each_response_made_warns_on_every_host(serve):
    router = dualweb.Router(default_response_class=ORJSONResponse)

    @router.get("/")
    def index():
        return {"ok": True}

    client = serve(router)
    for _ in range(2):
        with pytest.warns(DualwebDeprecationWarning, match="ORJSONResponse is deprecated"):
            assert client.get("/").json() == {"ok": True}


def test_the_warnings_are_shown_by_default_as_fastapis():
    # FastAPI's is a UserWarning, which Python shows by default (a DeprecationWarning
    # outside __main__ it hides); dualweb's is one too.
    assert issubclass(DualwebDeprecationWarning, UserWarning)
    assert not issubclass(DualwebDeprecationWarning, DeprecationWarning)
    with pytest.warns(DualwebDeprecationWarning, match="UJSONResponse is deprecated"):
        assert UJSONResponse({"a": None}).body == b'{"a":null}'
    with pytest.warns(DualwebDeprecationWarning, match="faster and doesn't need a custom"):

        class Mine(ORJSONResponse):
            pass


@pytest.mark.parametrize("library", ["orjson", "ujson"])
def test_without_the_library_a_request_fails_naming_it(serve, monkeypatch, library):
    monkeypatch.setitem(sys.modules, library, None)  # as if it were not installed
    cls = ORJSONResponse if library == "orjson" else UJSONResponse
    router = dualweb.Router()

    @router.get("/", response_class=cls)
    def index():
        return {"ok": True}

    client = serve(router)
    with (
        pytest.warns(DualwebDeprecationWarning),
        pytest.raises(RuntimeError, match=f"{library} must be installed to use {cls.__name__}"),
    ):
        client.get("/")


def test_fastapis_own_are_refused_naming_dualwebs():
    for cls in (fastapi.responses.ORJSONResponse, fastapi.responses.UJSONResponse):
        with pytest.raises(DualwebError, match=f"`from dualweb.responses import {cls.__name__}`"):
            dualweb.Router(default_response_class=cls)
