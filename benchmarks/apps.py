"""The benchmarked endpoints, written once per framework style.

Every variant serves the same six endpoints with the same validation:

- ``GET /ping``
- ``GET /items/{item_id}?q=...&limit=...``  (path + query validation)
- ``POST /items``  (a pydantic body model; 201 with a response model)
- ``GET /deps``  (two dependencies, one with ``yield``)
- ``GET /items/abc``  (the 422 path: a path parameter that is not an int)
- ``GET /big``  (a 1 MB JSON list of dicts, declared ``list[dict[str, Any]]``)
- ``GET /big/typed``  (the same 12,000 items as models, declared ``list[ItemOut]``)
- ``GET /stream``  (20 items streamed as JSON Lines, each validated against its model)
"""

# NOTE: no `from __future__ import annotations` here: the handlers annotate with
# `api.Query(...)`, a closure variable, which string annotations cannot resolve.

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    tags: list[str] = []


class ItemOut(Item):
    id: int


BIG = [{"id": i, "name": f"item {i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(12_000)]
#: ``GET /big/typed``: BIG's items as models (prices above 0, as ItemOut requires).
BIG_MODELS = [
    ItemOut(id=i, name=f"item {i}", price=i * 1.5 + 0.5, tags=["a", "b"]) for i in range(12_000)
]
#: The items of ``GET /stream``, one JSON line each.
STREAMED = [ItemOut(id=i, name=f"item {i}", price=i + 0.5, tags=["a"]) for i in range(20)]


# --- handlers written once in FastAPI's vocabulary (dualweb and native FastAPI) ------


def build_fastapi_style(api: Any, *, use_async: bool) -> Any:
    """A router in FastAPI's vocabulary: ``api`` is the dualweb or the fastapi module."""
    router = api.APIRouter() if hasattr(api, "APIRouter") else api.Router()

    def first() -> int:
        return 1

    def second() -> Any:
        yield 2

    if use_async:

        @router.get("/ping")
        async def ping() -> dict[str, str]:
            return {"ping": "pong"}

        @router.get("/items/{item_id}")
        async def read_item(
            item_id: int, q: str | None = None, limit: Annotated[int, api.Query(gt=0, le=100)] = 10
        ) -> dict[str, Any]:
            return {"item_id": item_id, "q": q, "limit": limit}

        @router.post("/items", status_code=201)
        async def create_item(item: Item) -> ItemOut:
            return ItemOut(id=1, **item.model_dump())

        @router.get("/deps")
        async def deps(
            a: Annotated[int, api.Depends(first)], b: Annotated[int, api.Depends(second)]
        ) -> dict[str, int]:
            return {"a": a, "b": b}

        @router.get("/big")
        async def big() -> list[dict[str, Any]]:
            return BIG

        @router.get("/stream")
        async def stream() -> AsyncIterator[ItemOut]:
            for item in STREAMED:
                yield item

    else:

        @router.get("/ping")
        def ping() -> dict[str, str]:
            return {"ping": "pong"}

        @router.get("/items/{item_id}")
        def read_item(
            item_id: int, q: str | None = None, limit: Annotated[int, api.Query(gt=0, le=100)] = 10
        ) -> dict[str, Any]:
            return {"item_id": item_id, "q": q, "limit": limit}

        @router.post("/items", status_code=201)
        def create_item(item: Item) -> ItemOut:
            return ItemOut(id=1, **item.model_dump())

        @router.get("/deps")
        def deps(
            a: Annotated[int, api.Depends(first)], b: Annotated[int, api.Depends(second)]
        ) -> dict[str, int]:
            return {"a": a, "b": b}

        @router.get("/big")
        def big() -> list[dict[str, Any]]:
            return BIG

        @router.get("/stream")
        def stream() -> Iterator[ItemOut]:
            yield from STREAMED

    _add_typed_big(router, use_async=use_async)
    _add_unannotated(api, router, use_async=use_async)
    return router


def _add_typed_big(router: Any, *, use_async: bool) -> None:
    if use_async:

        @router.get("/big/typed")
        async def big_typed() -> list[ItemOut]:
            return BIG_MODELS

    else:

        @router.get("/big/typed")
        def big_typed() -> list[ItemOut]:
            return BIG_MODELS


def _add_unannotated(api: Any, router: Any, *, use_async: bool) -> None:
    """``/plain/...``: the same handlers written as FastAPI's tutorials write them, without
    a return annotation (the value goes through ``jsonable_encoder``)."""
    if use_async:

        @router.get("/plain/items/{item_id}")
        async def read_item_plain(
            item_id: int, q: str | None = None, limit: Annotated[int, api.Query(gt=0, le=100)] = 10
        ):  # type: ignore[no-untyped-def]
            return {"item_id": item_id, "q": q, "limit": limit}

        @router.post("/plain/items", status_code=201)
        async def create_item_plain(item: Item):  # type: ignore[no-untyped-def]
            return ItemOut(id=1, **item.model_dump())

        @router.get("/plain/big")
        async def big_plain():  # type: ignore[no-untyped-def]
            return BIG

    else:

        @router.get("/plain/items/{item_id}")
        def read_item_plain(
            item_id: int, q: str | None = None, limit: Annotated[int, api.Query(gt=0, le=100)] = 10
        ):  # type: ignore[no-untyped-def]
            return {"item_id": item_id, "q": q, "limit": limit}

        @router.post("/plain/items", status_code=201)
        def create_item_plain(item: Item):  # type: ignore[no-untyped-def]
            return ItemOut(id=1, **item.model_dump())

        @router.get("/plain/big")
        def big_plain():  # type: ignore[no-untyped-def]
            return BIG


def dualweb_app(target: str, *, use_async: bool) -> Any:
    import dualweb
    from dualweb.testing import build_app

    router = build_fastapi_style(dualweb, use_async=use_async)
    return (
        build_app(router, target, openapi_url=None)
        if target != "fastapi"
        else build_app(router, target)
    )


def fastapi_app(*, use_async: bool) -> Any:
    import fastapi

    app = fastapi.FastAPI(openapi_url=None)
    app.include_router(build_fastapi_style(fastapi, use_async=use_async))
    return app


# --- hand-written validation: the floor for each host ----------------------------------

_ID = TypeAdapter(int)
_LIMIT = TypeAdapter(Annotated[int, Field(gt=0, le=100)])
_OUT = TypeAdapter(ItemOut)
_BIG = TypeAdapter(list[dict[str, Any]])
_BIG_TYPED = TypeAdapter(list[ItemOut])


def _line(item: ItemOut) -> bytes:
    # Validated and serialized, as a typed stream's items are.
    return _OUT.dump_json(_OUT.validate_python(item)) + b"\n"


def _errors(exc: ValidationError, loc: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {**err, "loc": [*loc, *err["loc"]]}
        for err in exc.errors(include_url=False, include_context=False)
    ]


def raw_starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    async def ping(request: Request) -> Response:
        return Response(b'{"ping":"pong"}', media_type="application/json")

    async def read_item(request: Request) -> Response:
        try:
            item_id = _ID.validate_python(request.path_params["item_id"])
        except ValidationError as exc:
            return JSONResponse({"detail": _errors(exc, ("path", "item_id"))}, 422)
        params = request.query_params
        try:
            limit = _LIMIT.validate_python(params.get("limit", 10))
        except ValidationError as exc:
            return JSONResponse({"detail": _errors(exc, ("query", "limit"))}, 422)
        body = {"item_id": item_id, "q": params.get("q"), "limit": limit}
        return JSONResponse(body)

    async def create_item(request: Request) -> Response:
        try:
            item = Item.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"detail": _errors(exc, ("body",))}, 422)
        out = ItemOut(id=1, **item.model_dump())
        return Response(_OUT.dump_json(out), 201, media_type="application/json")

    async def deps(request: Request) -> Response:
        def second() -> Any:
            yield 2

        generator = second()
        b = next(generator)
        response = JSONResponse({"a": 1, "b": b})
        generator.close()
        return response

    async def big(request: Request) -> Response:
        return Response(_BIG.dump_json(BIG), media_type="application/json")

    async def big_typed(request: Request) -> Response:
        return Response(_BIG_TYPED.dump_json(BIG_MODELS), media_type="application/json")

    async def stream(request: Request) -> Response:
        async def lines() -> AsyncIterator[bytes]:
            for item in STREAMED:
                yield _line(item)

        return StreamingResponse(lines(), media_type="application/jsonl")

    return Starlette(
        routes=[
            Route("/ping", ping),
            Route("/items/{item_id}", read_item),
            Route("/items", create_item, methods=["POST"]),
            Route("/deps", deps),
            Route("/big", big),
            Route("/big/typed", big_typed),
            Route("/stream", stream),
            # The peers have no return annotations to leave out: the same routes.
            Route("/plain/items/{item_id}", read_item),
            Route("/plain/items", create_item, methods=["POST"]),
            Route("/plain/big", big),
        ]
    )


def raw_flask_app() -> Any:
    import flask

    app = flask.Flask("raw")

    def json_response(data: bytes, status: int = 200) -> flask.Response:
        return flask.Response(data, status, mimetype="application/json")

    @app.get("/ping")
    def ping() -> flask.Response:
        return json_response(b'{"ping":"pong"}')

    @app.get("/items/<item_id>")
    def read_item(item_id: str) -> flask.Response:
        try:
            value = _ID.validate_python(item_id)
        except ValidationError as exc:
            return flask.jsonify(detail=_errors(exc, ("path", "item_id"))), 422  # type: ignore[return-value]
        try:
            limit = _LIMIT.validate_python(flask.request.args.get("limit", 10))
        except ValidationError as exc:
            return flask.jsonify(detail=_errors(exc, ("query", "limit"))), 422  # type: ignore[return-value]
        return flask.jsonify(item_id=value, q=flask.request.args.get("q"), limit=limit)

    @app.post("/items")
    def create_item() -> flask.Response:
        try:
            item = Item.model_validate_json(flask.request.get_data())
        except ValidationError as exc:
            return flask.jsonify(detail=_errors(exc, ("body",))), 422  # type: ignore[return-value]
        return json_response(_OUT.dump_json(ItemOut(id=1, **item.model_dump())), 201)

    @app.get("/deps")
    def deps() -> flask.Response:
        def second() -> Any:
            yield 2

        generator = second()
        b = next(generator)
        response = flask.jsonify(a=1, b=b)
        generator.close()
        return response

    @app.get("/big")
    def big() -> flask.Response:
        return json_response(_BIG.dump_json(BIG))

    @app.get("/big/typed")
    def big_typed() -> flask.Response:
        return json_response(_BIG_TYPED.dump_json(BIG_MODELS))

    @app.get("/stream")
    def stream() -> flask.Response:
        return flask.Response((_line(item) for item in STREAMED), mimetype="application/jsonl")

    _plain_rules(app, read_item, create_item, big)
    return app


def _plain_rules(app: Any, read_item: Any, create_item: Any, big: Any) -> None:
    # The peers have no return annotations to leave out: the same views at /plain/...
    app.add_url_rule("/plain/items/<item_id>", "read_item_plain", read_item)
    app.add_url_rule("/plain/items", "create_item_plain", create_item, methods=["POST"])
    app.add_url_rule("/plain/big", "big_plain", big)


def flask_async_views_app() -> Any:
    """Flask's own ``async def`` views (asgiref runs each on a new event loop)."""
    import flask

    app = flask.Flask("async_views")

    @app.get("/ping")
    async def ping() -> Any:
        return {"ping": "pong"}

    @app.get("/items/<item_id>")
    async def read_item(item_id: str) -> Any:
        try:
            value = _ID.validate_python(item_id)
            limit = _LIMIT.validate_python(flask.request.args.get("limit", 10))
        except ValidationError as exc:
            return {"detail": _errors(exc, ("path",))}, 422
        return {"item_id": value, "q": flask.request.args.get("q"), "limit": limit}

    @app.post("/items")
    async def create_item() -> Any:
        try:
            item = Item.model_validate_json(flask.request.get_data())
        except ValidationError as exc:
            return {"detail": _errors(exc, ("body",))}, 422
        return flask.Response(_OUT.dump_json(ItemOut(id=1, **item.model_dump())), 201)

    @app.get("/deps")
    async def deps() -> Any:
        return {"a": 1, "b": 2}

    @app.get("/big")
    async def big() -> Any:
        return flask.Response(_BIG.dump_json(BIG), mimetype="application/json")

    @app.get("/big/typed")
    async def big_typed() -> Any:
        return flask.Response(_BIG_TYPED.dump_json(BIG_MODELS), mimetype="application/json")

    @app.get("/stream")
    async def stream() -> Any:
        # Flask streams only a sync iterable, whatever the view's colour.
        return flask.Response((_line(item) for item in STREAMED), mimetype="application/jsonl")

    _plain_rules(app, read_item, create_item, big)
    return app


def litestar_app() -> Any:
    from litestar import Litestar, Response, get, post
    from litestar.di import Provide
    from litestar.params import Parameter
    from litestar.response import Stream

    async def first() -> int:
        return 1

    async def second() -> Any:
        yield 2

    @get("/ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong"}

    @get(["/items/{item_id:str}", "/plain/items/{item_id:str}"])
    async def read_item(
        item_id: str, q: str | None = None, limit: Annotated[int, Parameter(gt=0, le=100)] = 10
    ) -> Any:
        # Litestar's int path type answers 404 for "abc"; validate as the others do.
        try:
            value = _ID.validate_python(item_id)
        except ValidationError as exc:
            return Response({"detail": _errors(exc, ("path", "item_id"))}, status_code=422)
        return {"item_id": value, "q": q, "limit": limit}

    @post(["/items", "/plain/items"], status_code=201)
    async def create_item(data: Item) -> ItemOut:
        return ItemOut(id=1, **data.model_dump())

    @get("/deps", dependencies={"a": Provide(first), "b": Provide(second)})
    async def deps(a: int, b: int) -> dict[str, int]:
        return {"a": a, "b": b}

    @get(["/big", "/plain/big"])
    async def big() -> list[dict[str, Any]]:
        return BIG

    @get("/big/typed")
    async def big_typed() -> list[ItemOut]:
        return BIG_MODELS

    @get("/stream")
    async def stream() -> Stream:
        async def lines() -> AsyncIterator[bytes]:
            for item in STREAMED:
                yield _line(item)

        return Stream(lines(), media_type="application/jsonl")

    return Litestar(
        [ping, read_item, create_item, deps, big, big_typed, stream],
        debug=False,
        openapi_config=None,
    )


#: variant name -> (kind, factory)
VARIANTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "dualweb-fastapi-async": ("asgi", lambda: dualweb_app("fastapi", use_async=True)),
    "dualweb-fastapi-sync": ("asgi", lambda: dualweb_app("fastapi", use_async=False)),
    "dualweb-starlette-async": ("asgi", lambda: dualweb_app("starlette", use_async=True)),
    "dualweb-starlette-sync": ("asgi", lambda: dualweb_app("starlette", use_async=False)),
    "dualweb-flask-sync": ("wsgi", lambda: dualweb_app("flask", use_async=False)),
    "dualweb-flask-async": ("wsgi", lambda: dualweb_app("flask", use_async=True)),
    "fastapi-async": ("asgi", lambda: fastapi_app(use_async=True)),
    "fastapi-sync": ("asgi", lambda: fastapi_app(use_async=False)),
    "starlette-raw": ("asgi", raw_starlette_app),
    "litestar": ("asgi", litestar_app),
    "flask-raw": ("wsgi", raw_flask_app),
    "flask-async-views": ("wsgi", flask_async_views_app),
}
