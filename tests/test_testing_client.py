"""dualweb.testing.TestClient: its options on every host and for any app, Secure cookies
over http (FastAPI's way by default, Flask's on request), and ``with`` as Starlette's."""

import contextlib
import inspect

import pytest

from dualweb import HTTPException, Request, Response, Router
from dualweb.responses import RedirectResponse
from dualweb.testing import ClientOptions, TestClient, build_app, client_for_app

# --- every option, for a router and for an app ---------------------------------------------


def test_client_options_are_the_options_of_test_client():
    """``for_app``/``client_for_app`` take ``ClientOptions``: the same keywords as
    ``TestClient`` itself, so that the two cannot drift apart again."""
    parameters = inspect.signature(TestClient.__init__).parameters.values()
    keyword_only = {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keyword_only == set(ClientOptions.__annotations__)


def echo_router():
    router = Router()

    @router.get("/echo")
    def echo(request: Request) -> dict:
        return {
            "url": str(request.url),
            "team": request.headers.get("x-team"),
            "agent": request.headers.get("user-agent"),
            "cookie": request.cookies.get("flavour"),
        }

    @router.get("/away")
    def away():
        return RedirectResponse("/echo")

    @router.get("/boom")
    def boom() -> dict:
        raise RuntimeError("boom")

    return router


OPTIONS: ClientOptions = {
    "base_url": "http://example.org",
    "follow_redirects": False,
    "headers": {"x-team": "books", "user-agent": "suite"},
    "cookies": {"flavour": "oat"},
    "raise_server_exceptions": False,
}


def _seen(client):
    away = client.get("/away")
    return (
        client.get("/echo").json(),
        away.status_code,
        away.headers["location"],
        client.get("/boom").status_code,
    )


def test_client_for_app_takes_every_option_and_behaves_as_test_client(dualweb_host):
    router = echo_router()
    expected = (
        {"url": "http://example.org/echo", "team": "books", "agent": "suite", "cookie": "oat"},
        307,
        "/echo",
        500,
    )
    assert _seen(TestClient(router, dualweb_host, **OPTIONS)) == expected
    assert _seen(client_for_app(build_app(router, dualweb_host), **OPTIONS)) == expected
    assert _seen(TestClient.for_app(build_app(router, dualweb_host), **OPTIONS)) == expected


def test_client_for_app_defaults_are_test_clients(dualweb_host):
    client = client_for_app(build_app(echo_router(), dualweb_host))
    assert client.get("/away").json() == {
        "url": "http://testserver/echo",
        "team": None,
        "agent": "testclient",
        "cookie": None,
    }
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/boom")


def test_client_for_app_refuses_an_unknown_option():
    with pytest.raises(TypeError, match="follow_redirect"):
        client_for_app(build_app(Router(), "flask"), follow_redirect=False)  # type: ignore[call-arg]


# --- Secure cookies over http ----------------------------------------------------------------


def login_router():
    """A login that sets a ``Secure; HttpOnly`` session cookie, and a page behind it."""
    router = Router()

    @router.post("/login")
    def login(response: Response) -> dict:
        response.set_cookie("session", "alice-token", secure=True, httponly=True)
        return {"logged_in": True}

    @router.get("/login-and-go")
    def login_and_go():
        response = RedirectResponse("/me")
        response.set_cookie("session", "alice-token", secure=True, httponly=True)
        return response

    @router.get("/me")
    def me(request: Request) -> dict:
        if request.cookies.get("session") != "alice-token":
            raise HTTPException(401, "Not logged in")
        return {"user": "alice"}

    return router


def _logs_in(client) -> bool:
    login = client.post("/login")
    assert login.status_code == 200
    assert "Secure" in login.headers["set-cookie"]
    assert "HttpOnly" in login.headers["set-cookie"]
    assert client.cookies["session"] == "alice-token"  # kept either way
    return bool(client.get("/me").status_code == 200)


def native_flask_login_app():
    import flask

    app = flask.Flask("native_login")

    @app.post("/login")
    def login():
        response = flask.make_response({"logged_in": True})
        response.set_cookie("session", "alice-token", secure=True, httponly=True)
        return response

    @app.get("/me")
    def me():
        if flask.request.cookies.get("session") != "alice-token":
            return {"detail": "Not logged in"}, 401
        return {"user": "alice"}

    return app


def test_flasks_own_client_sends_secure_cookies_over_http():
    """What a Flask suite relies on: Werkzeug's test client ignores ``Secure``."""
    client = native_flask_login_app().test_client()
    client.post("/login")
    assert client.get("/me").status_code == 200


@pytest.mark.dualweb_hosts("fastapi", "starlette")
def test_starlettes_own_client_keeps_secure_cookies_for_https(dualweb_host):
    """What FastAPI's and Starlette's suites see: httpx sends ``Secure`` cookies over https only."""
    from starlette.testclient import TestClient as StarletteClient

    client = StarletteClient(build_app(login_router(), dualweb_host))
    assert client.post("/login").status_code == 200
    assert client.get("/me").status_code == 401
    secure = StarletteClient(build_app(login_router(), dualweb_host), "https://testserver")
    secure.post("/login")
    assert secure.get("/me").status_code == 200


def test_by_default_secure_cookies_go_over_https_only_as_in_fastapi(dualweb_host):
    assert not _logs_in(TestClient(login_router(), dualweb_host))
    assert _logs_in(TestClient(login_router(), dualweb_host, base_url="https://testserver"))


def test_secure_cookies_over_http_sends_them_as_flasks_client_does(dualweb_host):
    client = TestClient(login_router(), dualweb_host, secure_cookies_over_http=True)
    assert _logs_in(client)
    assert client.get("/me").json() == {"user": "alice"}


def test_secure_cookies_over_http_for_an_app(dualweb_host):
    app = build_app(login_router(), dualweb_host)
    assert not _logs_in(client_for_app(app))
    assert _logs_in(client_for_app(app, secure_cookies_over_http=True))


def test_secure_cookies_over_http_for_flasks_own_views_and_session():
    """A Flask app moved under dualweb's client: its own secure session cookie works as
    under ``app.test_client()``."""
    app = native_flask_login_app()
    assert _logs_in(client_for_app(app, secure_cookies_over_http=True))
    assert not _logs_in(client_for_app(app))

    import flask

    app = flask.Flask("session_app")
    app.config.update(SECRET_KEY="test", SESSION_COOKIE_SECURE=True)

    @app.post("/session")
    def start():
        flask.session["user"] = "alice"
        return {}

    @app.get("/session")
    def read():
        return {"user": flask.session.get("user")}

    client = client_for_app(app, secure_cookies_over_http=True)
    assert "Secure" in client.post("/session").headers["set-cookie"]
    assert client.get("/session").json() == {"user": "alice"}
    plain = client_for_app(app)
    plain.post("/session")
    assert plain.get("/session").json() == {"user": None}


def test_secure_cookies_over_http_through_a_redirect_and_a_new_jar(dualweb_host):
    client = TestClient(login_router(), dualweb_host, secure_cookies_over_http=True)
    assert client.get("/login-and-go").json() == {"user": "alice"}
    # A jar assigned later keeps the client's rule.
    client.cookies = {"other": "1"}
    assert client.get("/me").status_code == 401
    assert _logs_in(client)
    client.cookies = client.cookies  # a Cookies instance: copied, as httpx copies it
    assert client.get("/me").status_code == 200


def test_secure_cookies_over_http_with_cookies_given_at_start(dualweb_host):
    client = TestClient(
        login_router(), dualweb_host, cookies={"flavour": "oat"}, secure_cookies_over_http=True
    )
    assert _logs_in(client)
    assert client.cookies["flavour"] == "oat"


def test_secure_cookies_over_http_with_cookies_of_one_request(dualweb_host):
    """A request's own cookies go with the client's Secure ones (httpx2 before 2.17
    merged them into a jar of the default policy, which left the Secure ones behind)."""
    client = TestClient(login_router(), dualweb_host, secure_cookies_over_http=True)
    assert _logs_in(client)
    me = client.send(client.build_request("GET", "/me", cookies={"flavour": "oat"}))
    assert me.status_code == 200
    plain = TestClient(login_router(), dualweb_host)
    assert not _logs_in(plain)
    me = plain.send(plain.build_request("GET", "/me", cookies={"flavour": "oat"}))
    assert me.status_code == 401


# --- `with` as Starlette's client -------------------------------------------------------------


def lifespan_router(events):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"ready": True}
        events.append("shutdown")

    router = Router(lifespan=lifespan)

    @router.get("/ready")
    def ready(request: Request) -> dict:
        return {"ready": getattr(request.state, "ready", False)}

    return router


def test_with_after_requests_runs_the_lifespan_as_starlettes_client(dualweb_host):
    events = []
    client = TestClient(lifespan_router(events), dualweb_host)
    assert client.get("/ready").status_code == 200  # no lifespan outside `with`
    assert events == []
    with client:
        assert events == ["startup"]
        assert client.get("/ready").json() == {"ready": True}
    assert events == ["startup", "shutdown"]
    # The client stays usable, and a second `with` runs the lifespan again.
    assert client.get("/ready").status_code == 200
    with client as again:
        assert again is client
        assert client.get("/ready").json() == {"ready": True}
    assert events == ["startup", "shutdown"] * 2
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.get("/ready")
    with pytest.raises(RuntimeError, match="Cannot reopen a client instance"):
        client.__enter__()


@pytest.mark.dualweb_hosts("starlette")
def test_starlettes_own_client_does_the_same(dualweb_host):
    """The behaviour matched: Starlette's client lets ``with`` follow requests and
    requests follow ``with``."""
    from starlette.testclient import TestClient as StarletteClient

    events = []
    client = StarletteClient(build_app(lifespan_router(events), dualweb_host))
    assert client.get("/ready").status_code == 200
    with client:
        assert client.get("/ready").json() == {"ready": True}
    assert client.get("/ready").status_code == 200
    with client:
        pass
    assert events == ["startup", "shutdown"] * 2


def test_a_with_inside_a_with_runs_the_lifespan_once(dualweb_host):
    events = []
    with TestClient(lifespan_router(events), dualweb_host) as client:
        with client:
            assert client.get("/ready").json() == {"ready": True}
        assert events == ["startup"]
        assert client.get("/ready").json() == {"ready": True}
    assert events == ["startup", "shutdown"]


def test_with_after_requests_for_an_app(dualweb_host):
    events = []
    client = client_for_app(build_app(lifespan_router(events), dualweb_host))
    client.get("/ready")
    with client:
        assert client.get("/ready").json() == {"ready": True}
    assert events == ["startup", "shutdown"]


def test_an_asgi_app_does_not_see_the_tests_context_variables():
    """As under a server: a Flask app context a test pushed, or any context variable it
    set, is not the app's (Starlette's client would carry them into the app)."""
    import contextvars

    import fastapi
    import flask

    import dualweb.fastapi
    from dualweb import Router

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    router = Router()

    @router.get("/async")
    async def on_loop() -> list:
        return [marker.get(), flask.has_app_context()]

    @router.get("/sync")
    def in_thread() -> list:
        return [marker.get(), flask.has_app_context()]

    app = fastapi.FastAPI()
    dualweb.fastapi.mount(app, router)
    token = marker.set("the test's")
    try:
        with flask.Flask("legacy").app_context():
            client = client_for_app(app)
            assert client.get("/async").json() == ["unset", False]
            assert client.get("/sync").json() == ["unset", False]
            with client_for_app(app) as entered:
                assert entered.get("/async").json() == ["unset", False]
                assert entered.get("/sync").json() == ["unset", False]
    finally:
        marker.reset(token)
