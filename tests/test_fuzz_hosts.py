"""Generated requests answered alike on every host, and never with a server error.

Hypothesis makes requests (method, path with arbitrary and percent-encoded segments,
query parameters known and unknown, headers, cookies, and a body that is JSON of any
shape, a form, or arbitrary bytes, under a content type that may lie) against one
router with every kind of parameter, mounted under ``/api`` on Flask, FastAPI and
Starlette. For each request every host must answer with a status below 500 that is
one of the router's documented ones, and all three must answer the same: status,
content type, ``location`` and body. Generation is derandomized and bounded, so a run
is repeatable and takes seconds.
"""

import json
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from dualweb import Body, Cookie, File, Form, Header, Path, Query, Router, UploadFile
from dualweb.bridge import combine
from dualweb.testing import HOSTS, TestClient, build_app, client_for_app

#: Every status the router documents: its successes, FastAPI's 404/405/307 for what no
#: route takes under the prefix, 400 for a form that cannot be parsed, 413 beyond the
#: body limit, 422 for invalid input.
DOCUMENTED = {200, 201, 307, 400, 404, 405, 413, 422}
MAX_EXAMPLES = 400


class Sub(BaseModel):
    label: str = Field(max_length=8)
    weight: float = Field(ge=0, le=1000)


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    price: float = Field(gt=0)
    ratio: float = 0.5
    tags: list[str] = []
    sub: Sub | None = None


def fuzz_router() -> Router:
    router = Router()

    @router.get("/items/{item_id}")
    def read_item(
        item_id: Annotated[int, Path(ge=1)],
        q: str | None = None,
        limit: Annotated[int, Query(ge=0, le=100)] = 10,
        tags: Annotated[list[str], Query()] = [],
        x_token: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "limit": limit, "tags": tags, "x_token": x_token,
                "session": session}  # fmt: skip

    @router.post("/items", status_code=201, max_body_size=4096)
    async def create_item(item: Item) -> Item:
        return item

    @router.put("/items/{item_id}")
    def replace_item(
        item_id: int, item: Item, importance: Annotated[int, Body(gt=0)], dry: bool = False
    ) -> dict[str, Any]:
        return {"item_id": item_id, "item": item.model_dump(), "importance": importance,
                "dry": dry}  # fmt: skip

    @router.post("/forms")
    def submit(
        name: Annotated[str, Form(max_length=20)],
        count: Annotated[int, Form(ge=0)] = 1,
        note: Annotated[UploadFile | None, File()] = None,
    ) -> dict[str, Any]:
        return {"name": name, "count": count, "note": note.filename if note else None}

    @router.get("/files/{rest:path}")
    def files(rest: str) -> dict[str, str]:
        return {"rest": rest}

    @router.delete("/items/{item_id}", status_code=200)
    async def delete_item(item_id: int) -> None:
        return None

    return router


@pytest.fixture(scope="module")
def clients() -> dict[str, TestClient]:
    made = {
        host: TestClient(fuzz_router(), host, prefix="/api", follow_redirects=False)
        for host in HOSTS
    }
    # And through the bridge, the router on the fallback's side, behind each kind of front.
    for front, behind in (("fastapi", "flask"), ("flask", "fastapi")):
        fallback = build_app(fuzz_router(), behind, prefix="/api")
        combined = combine(build_app(Router(), front), fallback)
        made[f"{front}-front"] = client_for_app(combined, follow_redirects=False)
    return made


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_segment = st.one_of(
    _text.map(lambda text: quote(text, safe="")),
    st.sampled_from(["1", "7", "0", "-3", "abc", "%2F", "%00", "%C0%AF", "%E2%82%AC", "..", ""]),
)
_path = st.one_of(
    st.tuples(st.sampled_from(["items", "files", "forms", "nothing"]), _segment).map(
        lambda parts: "/api/" + "/".join(part for part in parts)
    ),
    st.tuples(_segment, _segment, _segment).map(lambda parts: "/api/files/" + "/".join(parts)),
    st.sampled_from(["/api/items", "/api/items/", "/api/forms", "/api/forms/", "/api/items/1/"]),
)
_query_key = st.one_of(st.sampled_from(["q", "limit", "tags", "dry", "item_id"]), _text)
_query = st.lists(st.tuples(_query_key, _text), max_size=4)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_item_like = st.fixed_dictionaries(
    {"name": _text, "price": st.one_of(st.floats(allow_nan=False), st.integers(), _text)},
    optional={"tags": st.lists(_text, max_size=2), "ratio": _json, "sub": _json},
)
_body = st.one_of(
    st.none(),
    _json.map(lambda value: ("application/json", json.dumps(value).encode())),
    _item_like.map(lambda value: ("application/json", json.dumps(value).encode())),
    st.fixed_dictionaries({"item": _item_like, "importance": _json}).map(
        lambda value: ("application/json", json.dumps(value).encode())
    ),
    st.dictionaries(st.sampled_from(["name", "count", "other"]), _text, max_size=3).map(
        lambda fields: ("application/x-www-form-urlencoded", _urlencoded(fields))
    ),
    st.tuples(
        st.sampled_from(
            [
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/json; charset=latin-1",
                "",
            ]
        ),
        st.binary(max_size=64),
    ),
)


def _urlencoded(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items()).encode()


def _multipart(parts: list[tuple[str, str, bool]]) -> tuple[str, bytes]:
    chunks = []
    for name, value, is_file in parts:
        disposition = f'form-data; name="{name}"' + ('; filename="n.txt"' if is_file else "")
        chunks.append(f"--fuzz\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n")
    return "multipart/form-data; boundary=fuzz", ("".join(chunks) + "--fuzz--\r\n").encode()


_form_body = st.one_of(
    st.fixed_dictionaries(
        {"name": _text}, optional={"count": st.one_of(_text, st.integers().map(str))}
    ).map(lambda fields: ("application/x-www-form-urlencoded", _urlencoded(fields))),
    st.lists(
        st.tuples(st.sampled_from(["name", "count", "note"]), _text, st.booleans()), max_size=4
    ).map(_multipart),
)
_valid_item = st.fixed_dictionaries(
    {
        "name": st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20),
        "price": st.floats(min_value=0.01, max_value=1e9),
    },
    optional={"tags": st.lists(_text, max_size=2), "ratio": st.floats(-1, 1)},
)
_json_body = st.one_of(_valid_item, _item_like, _json).map(
    lambda value: ("application/json", json.dumps(value).encode())
)
_number = st.integers(min_value=-5, max_value=10**20).map(str)
_id = st.one_of(_number, _number, _segment)

#: Requests aimed at the router's operations, with mostly well-formed parts.
_aimed = st.one_of(
    st.tuples(st.just("GET"), _id.map(lambda i: f"/api/items/{i}"), st.none()),
    st.tuples(st.just("DELETE"), _id.map(lambda i: f"/api/items/{i}"), st.none()),
    st.tuples(st.just("POST"), st.just("/api/items"), st.one_of(_json_body, _body)),
    st.tuples(
        st.just("PUT"),
        _id.map(lambda i: f"/api/items/{i}"),
        st.fixed_dictionaries(
            {
                "item": st.one_of(_valid_item, _item_like),
                "importance": st.one_of(st.integers(), _json),
            }
        ).map(lambda value: ("application/json", json.dumps(value).encode()))
        | _body,
    ),
    st.tuples(st.just("POST"), st.just("/api/forms"), st.one_of(_form_body, _body)),
    st.tuples(st.just("GET"), _path.map(lambda p: p.replace("/api/", "/api/files/", 1)), _body),
)
_anywhere = st.tuples(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), _path, _body)

_request = st.fixed_dictionaries(
    {
        "call": st.one_of(_aimed, _aimed, _aimed, _anywhere),
        "query": _query,
        "x_token": st.one_of(
            st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10)
        ),
        "session": st.one_of(st.none(), st.sampled_from(["abc", "a b", '"quoted"', "x=y"])),
    }
)


def _answer(client: TestClient, request: dict[str, Any]) -> tuple[Any, ...]:
    method, path, body = request["call"]
    headers = {}
    content = None
    if body is not None:
        content_type, content = body
        if content_type:
            headers["content-type"] = content_type
    if request["x_token"] is not None:
        headers["x-token"] = request["x_token"]
    if request["session"] is not None:
        headers["cookie"] = f"session={request['session']}"
    response = client.request(
        method,
        path,
        params=request["query"],
        headers=headers,
        content=content,
    )
    content_type = response.headers.get("content-type")
    body: Any = response.content
    if content_type == "application/json":
        body = response.json()
    return response.status_code, content_type, response.headers.get("location"), body


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=_request)
def test_every_host_answers_a_generated_request_alike(clients, request):
    answers = {host: _answer(client, request) for host, client in clients.items()}
    for host, answer in answers.items():
        assert answer[0] in DOCUMENTED, (host, request, answer)
        if answer[1] != "application/json" and answer[0] not in (307,):
            assert answer[0] == 200 or answer[0] == 405, (host, request, answer)
    first = answers[HOSTS[0]]
    assert all(answer == first for answer in answers.values()), (request, answers)
