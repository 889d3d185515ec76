"""What a FastAPI app holds for the routers it serves: its route keywords (dependencies,
responses, deprecated, include_in_schema) and its dependency overrides apply to a mounted
dualweb router as to an included APIRouter, compared with native FastAPI."""

import re
from typing import Annotated

import fastapi
import pytest

import dualweb
import dualweb.fastapi
from dualweb.exceptions import DualwebError
from dualweb.testing import client_for_app


def key_checker(api):
    def verify_key(x_key: Annotated[str, api.Header()]) -> str:
        if x_key != "secret":
            raise api.HTTPException(403, "bad key")
        return x_key

    return verify_key


def build(api):
    router = api.Router()

    def current_db() -> str:
        return "production"

    @router.get("/items/{item_id}")
    def read(item_id: int, db: Annotated[str, api.Depends(current_db)]) -> dict:
        return {"item_id": item_id, "db": db}

    router.current_db = current_db
    return router


def apps(fastapi_ns, **app_keywords):
    """The same app twice: an included APIRouter, and a mounted dualweb Router, with the
    app's dependency written for each side."""
    native_router, dualweb_router = build(fastapi_ns), build(dualweb)
    native = fastapi.FastAPI(
        dependencies=[fastapi.Depends(key_checker(fastapi_ns))], **app_keywords
    )
    native.include_router(native_router)
    ours = fastapi.FastAPI(dependencies=[fastapi.Depends(key_checker(dualweb))], **app_keywords)
    dualweb.fastapi.mount(ours, dualweb_router)
    return (native, native_router), (ours, dualweb_router)


def test_the_apps_dependencies_and_route_keywords_apply(fastapi_ns):
    keywords = {
        "responses": {418: {"description": "A teapot"}},
        "deprecated": True,
    }
    (native, _), (ours, _) = apps(fastapi_ns, **keywords)
    answers = []
    for app in (native, ours):
        client = client_for_app(app)
        answers.append(
            [
                (r.status_code, r.json())
                for r in (
                    client.get("/items/1", headers={"x-key": "secret"}),
                    client.get("/items/1", headers={"x-key": "wrong"}),
                    client.get("/items/1"),
                )
            ]
        )
    assert answers[0] == answers[1]
    assert answers[1][0] == (200, {"item_id": 1, "db": "production"})
    assert answers[1][1][0] == 403 and answers[1][2][0] == 422
    assert native.openapi()["paths"] == ours.openapi()["paths"]
    operation = ours.openapi()["paths"]["/items/{item_id}"]["get"]
    assert operation["deprecated"] is True and "418" in operation["responses"]
    assert [p["name"] for p in operation["parameters"]] == ["item_id", "x-key"]


def test_include_in_schema_false_on_the_app():
    app = fastapi.FastAPI(include_in_schema=False)
    dualweb.fastapi.mount(app, build(dualweb))
    assert app.openapi()["paths"] == {}
    assert client_for_app(app).get("/items/1").json() == {"item_id": 1, "db": "production"}


def test_the_apps_dependency_overrides_apply_and_the_routers_win(fastapi_ns):
    (native, native_router), (ours, router) = apps(fastapi_ns)
    for app, mounted in ((native, native_router), (ours, router)):
        app.dependency_overrides[mounted.current_db] = lambda: "test database"
    headers = {"x-key": "secret"}
    expected = {"item_id": 2, "db": "test database"}
    assert client_for_app(native).get("/items/2", headers=headers).json() == expected
    client = client_for_app(ours)
    assert client.get("/items/2", headers=headers).json() == expected
    router.dependency_overrides[router.current_db] = lambda: "the router's"
    assert client.get("/items/2", headers=headers).json()["db"] == "the router's"
    ours.dependency_overrides = {}
    router.dependency_overrides = {}
    assert client.get("/items/2", headers=headers).json()["db"] == "production"


def test_app_callbacks_are_refused_with_a_reason():
    callbacks = fastapi.APIRouter()

    @callbacks.post("{$callback_url}/events")
    def event() -> None:
        pass

    app = fastapi.FastAPI(callbacks=callbacks.routes)
    with pytest.raises(DualwebError, match=re.escape("Router(callbacks=...)")):
        dualweb.fastapi.mount(app, build(dualweb))


@pytest.mark.parametrize("marker", ["Header", "Query", "Depends", "Body"])
def test_fastapis_own_markers_in_a_dualweb_handler_are_named(marker):
    """A module moved over with one import left as it was: said at declaration, not read
    as a query parameter or a default value."""
    router = dualweb.Router()
    made = (
        getattr(fastapi, marker)(lambda: 1) if marker == "Depends" else getattr(fastapi, marker)()
    )
    with pytest.raises(
        DualwebError, match=f"FastAPI's {marker}\\(\\).*from dualweb import {marker}"
    ):

        @router.get("/annotated")
        def annotated(value: Annotated[str, made]) -> None:
            pass

    with pytest.raises(DualwebError, match=f"FastAPI's {marker}"):

        @router.get("/default")
        def default(value: str = made) -> None:
            pass
