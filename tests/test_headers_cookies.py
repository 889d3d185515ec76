"""Header and cookie parameters (single values and parameter models), on every host,
compared with native FastAPI."""

from typing import Annotated, Optional, Union

import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tests._helpers import fastapi_has
from tests._servers import wsgi_server
from tests.conftest import DUALWEB

# Starlette's TestClient (used for native FastAPI and the ASGI hosts) sends
# ``user-agent: testclient``; the WSGI client sends httpx's own. Requests whose
# response echoes every header (parameter models with extras) pin it.
UA = ("user-agent", "testclient")


def h(*pairs):
    """Request kwargs sending the header ``pairs`` (repeats allowed), with the user agent pinned."""
    return {"headers": [UA, *pairs]}


# WSGI cannot carry what some tests send: its environ keys headers as HTTP_X_NAME, so
# `x_name` and `x-name` are one header (servers drop or merge underscore names), and a
# WSGI server folds repeated headers into one comma-joined value (see
# test_repeated_headers_on_a_real_wsgi_server for how dualweb reads that on Flask).
asgi_hosts = pytest.mark.parametrize("host", ["fastapi", "starlette"])

# The native comparisons that need a newer FastAPI than the floor, by the change:
#: FastAPI 0.137 no longer reads a header model's field from its underscore spelling
#: (``save_data`` for ``save-data``), as dualweb does not.
FASTAPI_HEADER_UNDERSCORES = "0.137.0"
#: FastAPI 0.148 applies a model's defaults in validation: an error's ``input`` is what
#: was sent, without the defaults.
FASTAPI_DEFAULTS_IN_VALIDATION = "0.148.0"
#: FastAPI 0.152 locates a header model's errors at the header name (``x-api-key``).
FASTAPI_HEADER_MODEL_LOCS = "0.152.0"
#: FastAPI 0.157 reads a parameter by each of its ``validation_alias=AliasChoices(...)``.
FASTAPI_ALIAS_CHOICES = "0.157.0"
#: FastAPI 0.159 takes an ``Optional`` header, cookie or query parameter model.
FASTAPI_OPTIONAL_MODELS = "0.159.0"


# --- single header parameters ---------------------------------------------------------


def build_headers(api):
    router = api.Router()

    @router.get("/ua")
    def ua(user_agent: Annotated[Optional[str], api.Header()] = None):
        return {"user_agent": user_agent}

    @router.get("/raw")
    def raw(x_raw_name: Annotated[Optional[str], api.Header(convert_underscores=False)] = None):
        return {"x_raw_name": x_raw_name}

    @router.get("/alias")
    def alias(token: Annotated[Optional[str], api.Header(alias="X-Auth-Token")] = None):
        return {"token": token}

    @router.get("/alias-underscore")
    def alias_underscore(token: Annotated[Optional[str], api.Header(alias="x_under")] = None):
        return {"token": token}

    @router.get("/required")
    def required(x_request_id: str = api.Header()):
        return {"x_request_id": x_request_id}

    @router.get("/typed")
    def typed(
        x_count: Annotated[int, api.Header()] = 0,
        x_flag: Annotated[bool, api.Header()] = False,
        x_ratio: Annotated[Optional[float], api.Header()] = None,
    ):
        return {"x_count": x_count, "x_flag": x_flag, "x_ratio": x_ratio}

    @router.get("/constraints")
    def constraints(
        x_level: Annotated[int, api.Header(ge=1, le=5)] = 3,
        x_code: Annotated[str, api.Header(min_length=2, max_length=4, pattern="^[A-Z]+$")] = "OK",
    ):
        return {"x_level": x_level, "x_code": x_code}

    @router.get("/list")
    def lst(
        x_token: Annotated[Optional[list[str]], api.Header()] = None,
        x_num: Annotated[list[int], api.Header()] = [],
    ):
        return {"x_token": x_token, "x_num": x_num}

    @router.get("/required-list")
    def required_list(x_tag: Annotated[list[str], api.Header()]):
        return {"x_tag": x_tag}

    @router.get("/single-of-repeated")
    def single_of_repeated(x_token: Annotated[Optional[str], api.Header()] = None):
        return {"x_token": x_token}

    @router.get("/choices")
    def choices(
        token: Annotated[
            Optional[str], api.Header(validation_alias=AliasChoices("x-primary", "x-secondary"))
        ] = None,
    ):
        return {"token": token}

    @router.get("/default-factory")
    def default_factory(x_items: Annotated[list[str], api.Header(default_factory=list)]):
        return {"x_items": x_items}

    return router


def test_header_names(parity):
    parity(
        build_headers,
        [
            ("GET", "/ua", {"headers": {"user-agent": "probe/1.0"}}),
            ("GET", "/ua", {"headers": {"User-Agent": "Mixed/Case"}}),
            ("GET", "/ua", {"headers": {"USER-AGENT": "UPPER"}}),
            ("GET", "/raw", {"headers": {"x-raw-name": "converted"}}),
            ("GET", "/alias", {"headers": {"x-auth-token": "secret"}}),
            ("GET", "/alias", {"headers": {"X-AUTH-TOKEN": "SECRET"}}),
            ("GET", "/alias", {"headers": {"token": "not-the-alias"}}),
            ("GET", "/alias-underscore", {"headers": {"x-under": "h"}}),
            ("GET", "/choices"),
        ],
    )


@fastapi_has(
    FASTAPI_ALIAS_CHOICES, "reads a parameter by each of its validation_alias AliasChoices"
)
def test_header_names_alias_choices(parity):
    parity(
        build_headers,
        [
            ("GET", "/choices", {"headers": {"x-secondary": "2"}}),
            ("GET", "/choices", {"headers": {"x-primary": "1", "x-secondary": "2"}}),
        ],
    )


@asgi_hosts
def test_underscore_header_names(parity, host):
    parity(
        build_headers,
        [
            ("GET", "/ua", {"headers": {"user_agent": "underscore-is-not-hyphen"}}),
            ("GET", "/raw", {"headers": {"x_raw_name": "kept"}}),
            ("GET", "/alias-underscore", {"headers": {"x_under": "u"}}),
            ("GET", "/required", {"headers": {"x_request_id": "abc"}}),
        ],
    )


def test_header_names_explicit(serve):
    client = serve(build_headers)
    assert client.get("/ua", headers={"User-Agent": "Probe/2"}).json() == {"user_agent": "Probe/2"}
    assert client.get("/raw", headers={"x-raw-name": "no"}).json() == {"x_raw_name": None}
    assert client.get("/alias", headers={"X-Auth-Token": "s"}).json() == {"token": "s"}
    assert client.get("/choices", headers={"x-secondary": "2"}).json() == {"token": "2"}


@asgi_hosts
def test_underscore_header_names_explicit(serve, host):
    client = serve(build_headers)
    assert client.get("/raw", headers={"x_raw_name": "kept"}).json() == {"x_raw_name": "kept"}
    assert client.get("/alias-underscore", headers={"x_under": "u"}).json() == {"token": "u"}
    assert client.get("/required", headers={"x_request_id": "abc"}).status_code == 422


def test_required_and_typed_headers(parity):
    parity(
        build_headers,
        [
            ("GET", "/required"),
            ("GET", "/required", {"headers": {"x-request-id": "abc"}}),
            ("GET", "/required", {"headers": {"x-request-id": ""}}),
            ("GET", "/typed"),
            ("GET", "/typed", {"headers": {"x-count": "7", "x-flag": "yes", "x-ratio": "0.5"}}),
            ("GET", "/typed", {"headers": {"x-count": "seven", "x-flag": "maybe", "x-ratio": "x"}}),
            ("GET", "/typed", {"headers": {"x-count": " 8 ", "x-flag": "0"}}),
            ("GET", "/typed", {"headers": {"x-count": ""}}),
            ("GET", "/constraints"),
            ("GET", "/constraints", {"headers": {"x-level": "5", "x-code": "ABCD"}}),
            ("GET", "/constraints", {"headers": {"x-level": "0", "x-code": "A"}}),
            ("GET", "/constraints", {"headers": {"x-level": "9", "x-code": "abcde"}}),
            ("GET", "/constraints", {"headers": {"x-level": "2.5"}}),
        ],
    )


def test_bool_header_values(parity):
    values = ["1", "0", "true", "False", "on", "off", "yes", "no", "2", "", "nope"]
    parity(build_headers, [("GET", "/typed", {"headers": {"x-flag": v}}) for v in values])


def test_missing_header_error_body(serve):
    client = serve(build_headers)
    response = client.get("/required")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["header", "x-request-id"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }
    response = client.get("/typed", headers={"x-count": "seven"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["header", "x-count"]
    assert error["type"] == "int_parsing"
    assert error["input"] == "seven"
    response = client.get("/constraints", headers={"x-level": "0"})
    assert response.json()["detail"][0]["ctx"] == {"ge": 1}


def test_list_headers_sent_once(parity):
    # One occurrence per header: what every host can carry.
    parity(
        build_headers,
        [
            ("GET", "/list"),
            ("GET", "/list", {"headers": {"x-token": "a", "x-num": "1"}}),
            ("GET", "/list", {"headers": {"x-num": "two"}}),
            ("GET", "/required-list"),
            ("GET", "/required-list", {"headers": {"x-tag": "a"}}),
            ("GET", "/default-factory"),
            ("GET", "/default-factory", {"headers": {"x-items": "i"}}),
        ],
    )


@asgi_hosts
def test_repeated_headers(parity, host):
    parity(
        build_headers,
        [
            ("GET", "/list", {"headers": [("x-token", "a"), ("x-token", "b")]}),
            ("GET", "/list", {"headers": [("X-Token", "a"), ("x-token", "b"), ("X-TOKEN", "c")]}),
            ("GET", "/list", {"headers": [("x-num", "1"), ("x-num", "2")]}),
            ("GET", "/list", {"headers": [("x-num", "1"), ("x-num", "two")]}),
            ("GET", "/required-list", {"headers": [("x-tag", "a"), ("x-tag", "b")]}),
            (
                "GET",
                "/single-of-repeated",
                {"headers": [("x-token", "first"), ("x-token", "second")]},
            ),
            ("GET", "/default-factory", {"headers": [("x-items", "i"), ("x-items", "j")]}),
        ],
    )


@asgi_hosts
def test_repeated_headers_explicit(serve, host):
    client = serve(build_headers)
    got = client.get("/list", headers=[("x-token", "a"), ("x-token", "b")]).json()
    assert got == {"x_token": ["a", "b"], "x_num": []}
    got = client.get("/list", headers=[("x-num", "1"), ("x-num", "2")]).json()
    assert got == {"x_token": None, "x_num": [1, 2]}
    got = client.get("/single-of-repeated", headers=[("x-token", "first"), ("x-token", "second")])
    assert got.json() == {"x_token": "first"}
    got = client.get("/list", headers=[("x-num", "1"), ("x-num", "two")])
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["header", "x-num", 1]


def test_comma_in_one_list_header(parity, host):
    # On ASGI a comma inside one header stays inside its item, as FastAPI does.
    # A WSGI server folds repeated headers into one comma-joined value, so there
    # dualweb splits list-typed headers on commas (RFC 9110 list semantics):
    # repeated headers then work on Flask too, at the price of this case.
    requests = [
        ("GET", "/list", {"headers": {"x-token": "a, b"}}),
        ("GET", "/list", {"headers": {"x-num": "1,2"}}),
    ]
    if host != "flask":
        parity(build_headers, requests)
        return
    client = parity.client(build_headers)
    assert client.get("/list", headers={"x-token": "a, b"}).json() == {
        "x_token": ["a", "b"],
        "x_num": [],
    }
    assert client.get("/list", headers={"x-num": "1,2"}).json() == {
        "x_token": None,
        "x_num": [1, 2],
    }


def test_repeated_headers_on_a_real_wsgi_server():
    import http.client
    import json

    import flask

    import dualweb.flask

    app = flask.Flask("repeated")
    dualweb.flask.mount(app, build_headers(DUALWEB))
    with wsgi_server(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.putrequest("GET", "/list")
        for value in ("a", "b"):
            connection.putheader("X-Token", value)
        for value in ("1", "2"):
            connection.putheader("X-Num", value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read()) == {"x_token": ["a", "b"], "x_num": [1, 2]}
        connection.close()


def test_underscore_header_names_on_a_real_wsgi_server():
    # What docs/host-flask.md says WSGI changes: a server cannot tell `x_raw_name` from
    # `x-raw-name` in the environ, so it drops the underscored one (Werkzeug's always,
    # gunicorn's by default); a dashed name reaches the handler under its dashes.
    import http.client
    import json

    import flask

    import dualweb.flask

    app = flask.Flask("underscores")
    dualweb.flask.mount(app, build_headers(DUALWEB))

    def get(path: str, header: str) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path, headers={header: "sent"})
        body = json.loads(connection.getresponse().read())
        connection.close()
        return body

    with wsgi_server(app) as port:
        assert get("/raw", "x_raw_name") == {"x_raw_name": None}  # on ASGI: "sent"
        assert get("/alias-underscore", "x_under") == {"token": None}  # on ASGI: "sent"
        assert get("/raw", "x-raw-name") == {"x_raw_name": None}  # as on ASGI


def test_list_header_explicit(serve):
    client = serve(build_headers)
    assert client.get("/required-list", headers={"x-tag": "t"}).json() == {"x_tag": ["t"]}
    response = client.get("/required-list")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "x-tag"]


# --- single cookie parameters ---------------------------------------------------------


def build_cookies(api):
    router = api.Router()

    @router.get("/c")
    def c(
        session: Annotated[Optional[str], api.Cookie()] = None,
        count: Annotated[int, api.Cookie()] = 0,
    ):
        return {"session": session, "count": count}

    @router.get("/required")
    def required(session_id: str = api.Cookie()):
        return {"session_id": session_id}

    @router.get("/alias")
    def alias(
        session: Annotated[Optional[str], api.Cookie(alias="sess-id")] = None,
        under_score: Annotated[Optional[str], api.Cookie()] = None,
    ):
        return {"session": session, "under_score": under_score}

    @router.get("/constraints")
    def constraints(
        theme: Annotated[str, api.Cookie(pattern="^(light|dark)$")] = "light",
        visits: Annotated[int, api.Cookie(ge=0, lt=100)] = 0,
        flag: Annotated[bool, api.Cookie()] = False,
    ):
        return {"theme": theme, "visits": visits, "flag": flag}

    @router.get("/list")
    def lst(item: Annotated[Optional[list[str]], api.Cookie()] = None):
        return {"item": item}

    return router


def test_cookies(parity):
    parity(
        build_cookies,
        [
            ("GET", "/c"),
            ("GET", "/c", {"headers": {"cookie": "session=abc; count=3"}}),
            ("GET", "/c", {"headers": {"cookie": "session=abc;count=x"}}),
            ("GET", "/c", {"headers": {"cookie": "Session=upper; COUNT=1"}}),
            ("GET", "/c", {"headers": {"cookie": 'session="quoted value"; count= 4 '}}),
            ("GET", "/c", {"headers": {"cookie": "session=a=b=c"}}),
            ("GET", "/c", {"headers": {"cookie": "session=one; session=two"}}),
            ("GET", "/c", {"headers": {"cookie": "garbage; session=ok"}}),
            ("GET", "/c", {"headers": {"cookie": "session="}}),
            ("GET", "/c", {"headers": {"cookie": ""}}),
            ("GET", "/required"),
            ("GET", "/required", {"headers": {"cookie": "session_id=s1"}}),
            ("GET", "/required", {"headers": {"cookie": "session-id=s1"}}),
            ("GET", "/alias", {"headers": {"cookie": "sess-id=x; under_score=y"}}),
            ("GET", "/alias", {"headers": {"cookie": "session=x; under-score=y"}}),
            ("GET", "/constraints"),
            ("GET", "/constraints", {"headers": {"cookie": "theme=dark; visits=99; flag=true"}}),
            ("GET", "/constraints", {"headers": {"cookie": "theme=blue; visits=100; flag=nah"}}),
            ("GET", "/constraints", {"headers": {"cookie": "visits=-1"}}),
            ("GET", "/list", {"headers": {"cookie": "item=a; item=b"}}),
            ("GET", "/list"),
        ],
    )


def test_cookies_explicit(serve):
    client = serve(build_cookies)
    assert client.get("/c", headers={"cookie": "session=abc; count=3"}).json() == {
        "session": "abc",
        "count": 3,
    }
    assert (
        client.get("/c", headers={"cookie": "session=one; session=two"}).json()["session"] == "two"
    )
    response = client.get("/required")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["cookie", "session_id"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }
    assert client.get("/alias", headers={"cookie": "sess-id=x"}).json()["session"] == "x"
    response = client.get("/constraints", headers={"cookie": "visits=100"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["cookie", "visits"]
    assert response.json()["detail"][0]["ctx"] == {"lt": 100}


# --- header parameter models ----------------------------------------------------------


class CommonHeaders(BaseModel):
    host: str
    save_data: bool = False
    if_modified_since: Optional[str] = None
    traceparent: Optional[str] = None
    x_tag: list[str] = []


class StrictHeaders(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x_api_key: str
    x_limit: int = Field(10, gt=0, le=100)


class AliasedHeaders(BaseModel):
    token: str = Field(alias="X-Token")
    trace_id: Optional[str] = Field(None, alias="trace_id")
    plain_name: Optional[str] = None


class NoConvertHeaders(BaseModel):
    x_raw: Optional[str] = None
    other_one: Optional[str] = None


class AllowHeaders(BaseModel):
    model_config = ConfigDict(extra="allow")

    x_known: Optional[str] = None


class OptionalModelHeaders(BaseModel):
    x_opt: str


def build_header_models(api):
    router = api.Router()

    @router.get("/common")
    def common(headers: Annotated[CommonHeaders, api.Header()]):
        return headers

    @router.get("/strict")
    def strict(headers: Annotated[StrictHeaders, api.Header()]):
        return headers

    @router.get("/aliased")
    def aliased(headers: Annotated[AliasedHeaders, api.Header()]):
        return headers

    @router.get("/no-convert")
    def no_convert(headers: Annotated[NoConvertHeaders, api.Header(convert_underscores=False)]):
        return headers

    @router.get("/optional")
    def optional(headers: Annotated[Optional[OptionalModelHeaders], api.Header()] = None):
        return {"headers": headers}

    @router.get("/allow")
    def allow(headers: Annotated[AllowHeaders, api.Header()]):
        return {"x_known": headers.x_known, "extra": sorted((headers.model_extra or {}).items())}

    return router


def test_header_models(parity):
    parity(
        build_header_models,
        [
            ("GET", "/common", h()),
            ("GET", "/common", h(("save-data", "on"), ("traceparent", "tp"))),
            ("GET", "/common", h(("If-Modified-Since", "yesterday"))),
            ("GET", "/common", h(("x-tag", "a"))),
            ("GET", "/aliased", h()),
            ("GET", "/aliased", h(("x-token", "t"), ("plain-name", "p"))),
            ("GET", "/aliased", h(("X-TOKEN", "t"), ("plain-name", "p"))),
            ("GET", "/no-convert", h(("x-raw", "r"), ("other-one", "o"))),
            ("GET", "/optional", h()),
            ("GET", "/optional", h(("x-other", "o"))),
        ],
    )


@fastapi_has(FASTAPI_HEADER_MODEL_LOCS, "locates a header model's errors at the header name")
def test_header_models_error_locs(parity):
    parity(
        build_header_models,
        [
            ("GET", "/common", h(("save-data", "sometimes"))),
        ],
    )


@fastapi_has(FASTAPI_OPTIONAL_MODELS, "takes an Optional header, cookie or query model")
def test_header_models_optional_models(parity):
    parity(
        build_header_models,
        [
            ("GET", "/optional", h(("x-opt", "o"))),
        ],
    )


@asgi_hosts
def test_header_models_underscores_and_repeats(parity, host):
    parity(
        build_header_models,
        [
            ("GET", "/common", h(("x-tag", "a"), ("X-Tag", "b"))),
            ("GET", "/no-convert", h(("x_raw", "r"), ("other_one", "o"))),
            ("GET", "/optional", h(("x_opt", "o"))),
            ("GET", "/strict", h(("x-api-key", "k"), ("x-dup", "1"), ("x-dup", "2"))),
        ],
    )


@asgi_hosts
@fastapi_has(
    FASTAPI_HEADER_UNDERSCORES, "no longer reads a header model field from its underscore spelling"
)
def test_header_models_underscores_and_repeats_underscore_spellings(parity, host):
    parity(
        build_header_models,
        [
            ("GET", "/common", h(("save_data", "on"))),
            ("GET", "/aliased", h(("x-token", "t"), ("trace_id", "tr"), ("plain-name", "p"))),
            ("GET", "/aliased", h(("x-token", "t"), ("trace-id", "tr"), ("plain_name", "p"))),
            ("GET", "/allow", h(("x_known", "k"), ("x_other", "o"))),
        ],
    )


@asgi_hosts
@fastapi_has(FASTAPI_HEADER_MODEL_LOCS, "locates a header model's errors at the header name")
def test_header_models_underscores_and_repeats_error_locs(parity, host):
    parity(
        build_header_models,
        [
            ("GET", "/strict", h(("x_api_key", "k"))),
        ],
    )


def test_header_model_extra_forbid(parity):
    parity(
        build_header_models,
        [
            ("GET", "/strict", h(("x-api-key", "k"), ("x-limit", "5"))),
            ("GET", "/strict", h(("x-api-key", "k"), ("x-unknown", "u"))),
        ],
    )


@fastapi_has(FASTAPI_HEADER_MODEL_LOCS, "locates a header model's errors at the header name")
def test_header_model_extra_forbid_error_locs(parity):
    parity(
        build_header_models,
        [
            ("GET", "/strict", h()),
            ("GET", "/strict", h(("x-api-key", "k"), ("x-limit", "500"))),
            ("GET", "/strict", h(("x-api-key", "k"), ("x-limit", "lots"))),
        ],
    )


def test_header_model_extra_allow(parity):
    parity(
        build_header_models,
        [
            ("GET", "/allow", h()),
            ("GET", "/allow", h(("x-known", "k"), ("x-other", "o"))),
        ],
    )


def test_header_models_explicit(serve):
    client = serve(build_header_models)
    got = client.get("/common", headers={"save-data": "1", "if-modified-since": "now"})
    assert got.status_code == 200
    assert got.json() == {
        "host": "testserver",
        "save_data": True,
        "if_modified_since": "now",
        "traceparent": None,
        "x_tag": [],
    }
    got = client.get("/strict")
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["header", "x-api-key"]
    assert got.json()["detail"][0]["type"] == "missing"
    got = client.get("/strict", headers={"x-api-key": "k", "x-unknown": "u"})
    assert got.status_code == 422
    errors = {tuple(e["loc"]): e for e in got.json()["detail"]}
    assert errors[("header", "x-unknown")]["type"] == "extra_forbidden"
    assert errors[("header", "x-unknown")]["input"] == "u"
    assert ("header", "x-api-key") not in errors
    got = client.get("/aliased", headers={"x-token": "t", "plain-name": "p"})
    assert got.json() == {"X-Token": "t", "trace_id": None, "plain_name": "p"}
    assert client.get("/no-convert", headers={"x-raw": "r"}).json()["x_raw"] is None
    assert client.get("/optional").json() == {"headers": None}
    assert client.get("/optional", headers={"x-opt": "o"}).json() == {"headers": {"x_opt": "o"}}


# --- cookie parameter models ----------------------------------------------------------


class Cookies(BaseModel):
    session_id: str
    fatebook_tracker: Optional[str] = None
    googall_tracker: Optional[str] = None
    visits: int = Field(0, ge=0)


class StrictCookies(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str
    theme: str = "light"


class AliasedCookies(BaseModel):
    session: str = Field(alias="sess-id")
    lang: Union[str, None] = None


def build_cookie_models(api):
    router = api.Router()

    @router.get("/cookies")
    def cookies(cookies: Annotated[Cookies, api.Cookie()]):
        return cookies

    @router.get("/strict")
    def strict(cookies: Annotated[StrictCookies, api.Cookie()]):
        return cookies

    @router.get("/aliased")
    def aliased(cookies: Annotated[AliasedCookies, api.Cookie()]):
        return cookies

    return router


def test_cookie_models(parity):
    parity(
        build_cookie_models,
        [
            ("GET", "/cookies", {"headers": {"cookie": "session_id=s; visits=2"}}),
            ("GET", "/cookies", {"headers": {"cookie": "session_id=s; visits=-2; other=o"}}),
            (
                "GET",
                "/cookies",
                {"headers": {"cookie": "session_id=s; fatebook_tracker=f; visits=x"}},
            ),
            ("GET", "/strict", {"headers": {"cookie": "session_id=s"}}),
            ("GET", "/strict", {"headers": {"cookie": "session_id=s; theme=dark"}}),
            ("GET", "/strict", {"headers": {"cookie": "session_id=s; tracker=t"}}),
            ("GET", "/aliased", {"headers": {"cookie": "sess-id=x; lang=fr"}}),
            ("GET", "/aliased", {"headers": {"cookie": "session=x"}}),
        ],
    )


@fastapi_has(
    FASTAPI_DEFAULTS_IN_VALIDATION,
    "applies a model's defaults in validation, not in the error's input",
)
def test_cookie_models_defaults_in_errors(parity):
    parity(
        build_cookie_models,
        [
            ("GET", "/cookies"),
            ("GET", "/cookies", {"headers": {"cookie": "session-id=s"}}),
            ("GET", "/strict"),
            ("GET", "/strict", {"headers": {"cookie": "tracker=t"}}),
        ],
    )


def test_cookie_models_explicit(serve):
    client = serve(build_cookie_models)
    got = client.get("/cookies", headers={"cookie": "session_id=s; visits=2"})
    assert got.json() == {
        "session_id": "s",
        "fatebook_tracker": None,
        "googall_tracker": None,
        "visits": 2,
    }
    got = client.get("/strict", headers={"cookie": "session_id=s; tracker=t"})
    assert got.status_code == 422
    assert got.json() == {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["cookie", "tracker"],
                "msg": "Extra inputs are not permitted",
                "input": "t",
            }
        ]
    }
    got = client.get("/cookies")
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["cookie", "session_id"]


# --- headers and cookies with dependencies and mixed locations ------------------------


def build_mixed(api):
    router = api.Router()

    def auth(x_api_key: Annotated[str, api.Header()], session: Annotated[str, api.Cookie()]):
        return {"key": x_api_key, "session": session}

    @router.get("/mixed")
    def mixed(
        who: Annotated[dict, api.Depends(auth)],
        x_trace: Annotated[Optional[str], api.Header()] = None,
    ):
        return {"who": who, "x_trace": x_trace}

    return router


def test_headers_and_cookies_in_dependencies(parity):
    results = parity(
        build_mixed,
        [
            ("GET", "/mixed"),
            ("GET", "/mixed", {"headers": {"x-api-key": "k"}}),
            (
                "GET",
                "/mixed",
                {"headers": {"x-api-key": "k", "cookie": "session=s", "x-trace": "t"}},
            ),
        ],
    )
    assert results[0].status_code == 422
    assert [e["loc"] for e in results[0].json()["detail"]] == [
        ["header", "x-api-key"],
        ["cookie", "session"],
    ]
    assert results[2].json() == {"who": {"key": "k", "session": "s"}, "x_trace": "t"}


# --- less common spellings ------------------------------------------------------------


class ByNameHeaders(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    token: Optional[str] = Field(None, alias="X-Token")
    trace_id: Optional[str] = None


class LocByNameHeaders(BaseModel):
    model_config = ConfigDict(loc_by_alias=False)

    x_limit: int = 1
    amount: int = Field(0, alias="x-amount")


class ChoiceHeaders(BaseModel):
    token: Optional[str] = Field(None, validation_alias=AliasChoices("x-primary", "x-secondary"))
    ids: tuple[int, ...] = ()
    names: Optional[list[str]] = None


class ValidationAliasHeaders(BaseModel):
    key: str = Field(validation_alias="x-key")


def build_spellings(api):
    router = api.Router()

    @router.get("/va")
    def va(
        req: Annotated[str, api.Header(alias="X-Required-Mixed")],
        key: Annotated[Optional[str], api.Header(validation_alias="x-val")] = None,
    ):
        return {"key": key, "req": req}

    @router.post("/content")
    def content(
        content_type: Annotated[Optional[str], api.Header()] = None,
        content_length: Annotated[Optional[int], api.Header()] = None,
    ):
        return {"content_type": content_type, "content_length": content_length}

    @router.get("/by-name")
    def by_name(headers: Annotated[ByNameHeaders, api.Header()]):
        return headers.model_dump()

    @router.get("/loc-by-name")
    def loc_by_name(headers: Annotated[LocByNameHeaders, api.Header()]):
        return headers.model_dump()

    @router.get("/choices")
    def choices(headers: Annotated[ChoiceHeaders, api.Header()]):
        return headers

    @router.get("/validation-alias")
    def validation_alias(headers: Annotated[ValidationAliasHeaders, api.Header()]):
        return headers.model_dump()

    @router.post("/model-with-body")
    def model_with_body(headers: Annotated[AllowHeaders, api.Header()], item: dict):
        return {"extra": sorted((headers.model_extra or {}).keys()), "item": item}

    def cookie_dep(cookies: Annotated[StrictCookies, api.Cookie()]):
        return cookies.session_id

    @router.get("/dep-cookies")
    def dep_cookies(sid: Annotated[str, api.Depends(cookie_dep)]):
        return {"sid": sid}

    return router


def test_less_common_spellings(parity):
    parity(
        build_spellings,
        [
            ("GET", "/va"),
            ("GET", "/va", h(("x-val", "v"), ("x-required-mixed", "r"))),
            ("GET", "/va", h(("key", "v"), ("X-REQUIRED-MIXED", "r"))),
            ("POST", "/content", {"content": b"abc", "headers": {"content-type": "text/plain"}}),
            ("POST", "/content", {"json": {"a": 1}}),
            ("POST", "/content"),
            ("GET", "/by-name", h()),
            ("GET", "/by-name", h(("x-token", "alias"), ("trace-id", "t"))),
            ("GET", "/by-name", h(("token", "by-name"))),
            ("GET", "/loc-by-name", h(("x-limit", "x"), ("x-amount", "y"))),
            ("GET", "/loc-by-name", h(("x-limit", "2"), ("x-amount", "3"))),
            ("GET", "/choices", h(("x-secondary", "s"), ("ids", "1"), ("names", "n"))),
            ("GET", "/choices", h(("x-primary", "p"), ("ids", "x"))),
            ("GET", "/validation-alias", h()),
            ("GET", "/validation-alias", h(("x-key", "k"))),
            ("GET", "/validation-alias", h(("key", "k"))),
            ("POST", "/model-with-body", {**h(("x-other", "o")), "json": {"a": 1}}),
            ("POST", "/model-with-body", h()),
            ("GET", "/dep-cookies", {"headers": {"cookie": "session_id=abc"}}),
            ("GET", "/dep-cookies", {"headers": {"cookie": "session_id=abc; x=1"}}),
        ],
    )


@fastapi_has(
    FASTAPI_DEFAULTS_IN_VALIDATION,
    "applies a model's defaults in validation, not in the error's input",
)
def test_less_common_spellings_defaults_in_errors(parity):
    parity(
        build_spellings,
        [
            ("GET", "/dep-cookies"),
        ],
    )


def test_less_common_spellings_explicit(serve):
    client = serve(build_spellings)
    got = client.get("/va")
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["header", "X-Required-Mixed"]
    assert client.get("/va", headers={"x-val": "v", "x-required-mixed": "r"}).json() == {
        "key": "v",
        "req": "r",
    }
    got = client.post("/content", content=b"abc", headers={"content-type": "text/plain"})
    assert got.json() == {"content_type": "text/plain", "content_length": 3}
    got = client.get("/loc-by-name", headers={"x-limit": "x"})
    assert got.json()["detail"][0]["loc"] == ["header", "x_limit"]
    assert client.get("/by-name", headers={"token": "n"}).json() == {"token": "n", "trace_id": None}
    assert client.get("/dep-cookies", headers={"cookie": "session_id=abc"}).json() == {"sid": "abc"}


def test_cookie_value_decoding(parity):
    parity(
        build_cookies,
        [
            ("GET", "/c", {"headers": {"cookie": 'session="a\\073b"'}}),
            ("GET", "/c", {"headers": {"cookie": 'session="a\\"b"'}}),
            ("GET", "/c", {"headers": {"cookie": "session=%20x%20"}}),
            ("GET", "/c", {"headers": {"cookie": "session=x;;; ;count=1"}}),
            ("GET", "/c", {"headers": {"cookie": "=only-value; session=s"}}),
        ],
    )


class ByNameUnderscoreHeaders(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    trace_id: Optional[str] = Field(None, alias="X-Trace")


class ByNameOnlyHeaders(BaseModel):
    model_config = ConfigDict(validate_by_alias=False, validate_by_name=True, extra="forbid")

    trace_id: Optional[str] = Field(None, alias="X-Trace")


class UpperChoiceHeaders(BaseModel):
    token: Optional[str] = Field(None, validation_alias=AliasChoices("X-Primary", "X-Secondary"))
    tags: list[str] = Field([], validation_alias=AliasChoices("x-tags", "x-labels"))


class OptionalChoiceHeaders(BaseModel):
    token: str = Field(validation_alias=AliasChoices("x-primary", "x-secondary"))


def build_model_aliases(api):
    router = api.Router()

    @router.get("/by-name")
    def by_name(headers: Annotated[ByNameUnderscoreHeaders, api.Header()]):
        return headers.model_dump()

    @router.get("/by-name-only")
    def by_name_only(headers: Annotated[ByNameOnlyHeaders, api.Header()]):
        return headers.model_dump()

    @router.get("/upper-choices")
    def upper_choices(headers: Annotated[UpperChoiceHeaders, api.Header()]):
        return headers.model_dump()

    @router.get("/optional-choices")
    def optional_choices(headers: Annotated[Optional[OptionalChoiceHeaders], api.Header()] = None):
        return {"headers": headers.model_dump() if headers else None}

    @router.get("/query-choices")
    def query_choices(params: Annotated[UpperChoiceHeaders, api.Query()]):
        return params.model_dump()

    @router.get("/query-by-name")
    def query_by_name(params: Annotated[ByNameUnderscoreHeaders, api.Query()]):
        return params.model_dump()

    @router.get("/cookie-choices")
    def cookie_choices(cookies: Annotated[Optional[OptionalChoiceHeaders], api.Cookie()] = None):
        return {"cookies": cookies.model_dump() if cookies else None}

    return router


def test_header_model_alias_configs(parity):
    parity(
        build_model_aliases,
        [
            ("GET", "/by-name", h(("x-trace", "alias"))),
            ("GET", "/optional-choices", h()),
            ("GET", "/cookie-choices"),
            ("GET", "/cookie-choices", {"headers": {"cookie": "other=s"}}),
            ("GET", "/query-choices?X-Secondary=s&x-labels=a&x-labels=b"),
            ("GET", "/query-by-name?trace_id=n"),
            ("GET", "/query-by-name?X-Trace=a&trace_id=n"),
        ],
    )


@fastapi_has(
    FASTAPI_ALIAS_CHOICES, "reads a parameter by each of its validation_alias AliasChoices"
)
def test_header_model_alias_configs_alias_choices(parity):
    parity(
        build_model_aliases,
        [
            ("GET", "/by-name", h(("trace-id", "name"))),
            ("GET", "/by-name-only", h(("trace-id", "name"))),
            ("GET", "/by-name-only", h(("x-trace", "alias"))),
            ("GET", "/upper-choices", h(("x-secondary", "s"))),
            ("GET", "/upper-choices", h(("X-Primary", "p"), ("x-labels", "l"))),
            ("GET", "/upper-choices", h(("x-tags", "t"))),
            ("GET", "/query-choices?x-secondary=s&x-tags=t"),
        ],
    )


@fastapi_has(FASTAPI_OPTIONAL_MODELS, "takes an Optional header, cookie or query model")
def test_header_model_alias_configs_optional_models(parity):
    parity(
        build_model_aliases,
        [
            ("GET", "/optional-choices", h(("x-secondary", "s"))),
            ("GET", "/cookie-choices", {"headers": {"cookie": "x-secondary=s"}}),
        ],
    )


def test_header_model_alias_configs_explicit(serve):
    client = serve(build_model_aliases)
    assert client.get("/by-name", headers={"trace-id": "n"}).json() == {"trace_id": "n"}
    assert client.get("/by-name", headers={"x-trace": "a"}).json() == {"trace_id": "a"}
    got = client.get("/upper-choices", headers={"x-secondary": "s", "x-labels": "l"})
    assert got.json() == {"token": "s", "tags": ["l"]}
    assert client.get("/optional-choices", headers={"x-primary": "p"}).json() == {
        "headers": {"token": "p"}
    }
    assert client.get("/cookie-choices", headers={"cookie": "x-secondary=s"}).json() == {
        "cookies": {"token": "s"}
    }
    assert client.get("/query-choices?x-tags=t").json() == {"token": None, "tags": ["t"]}
