"""Security schemes, Security() scopes and SecurityScopes, on every host, compared with FastAPI.

Each build takes ``api`` (dualweb's vocabulary or FastAPI's); the scheme classes
come from ``dualweb.security`` or ``fastapi.security`` accordingly.
"""

import base64
from typing import Annotated, Any, Optional

import pytest

import dualweb.security
from tests._helpers import sec
from tests.conftest import DUALWEB


def basic(value: str | bytes) -> dict[str, str]:
    raw = value.encode() if isinstance(value, str) else value
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def auth(value: str) -> dict[str, Any]:
    return {"headers": {"Authorization": value}}


NOT_AUTHENTICATED = {"detail": "Not authenticated"}


# --- every scheme, auto_error on and off, through Depends and Security ---------------------


def build_schemes(api):
    s = sec(api)
    router = api.Router()

    schemes = {
        "bearer": (s.HTTPBearer(), s.HTTPBearer(auto_error=False)),
        "basic": (s.HTTPBasic(), s.HTTPBasic(auto_error=False)),
        "realm": (s.HTTPBasic(realm="simple"), s.HTTPBasic(realm="simple", auto_error=False)),
        "digest": (s.HTTPDigest(), s.HTTPDigest(auto_error=False)),
        "header": (s.APIKeyHeader(name="X-Key"), s.APIKeyHeader(name="X-Key", auto_error=False)),
        "query": (s.APIKeyQuery(name="key"), s.APIKeyQuery(name="key", auto_error=False)),
        "cookie": (
            s.APIKeyCookie(name="session"),
            s.APIKeyCookie(name="session", auto_error=False),
        ),
        "password": (
            s.OAuth2PasswordBearer(tokenUrl="token"),
            s.OAuth2PasswordBearer(tokenUrl="token", auto_error=False),
        ),
        "code": (
            s.OAuth2AuthorizationCodeBearer(authorizationUrl="authorize", tokenUrl="token"),
            s.OAuth2AuthorizationCodeBearer(
                authorizationUrl="authorize", tokenUrl="token", auto_error=False
            ),
        ),
        "oauth2": (s.OAuth2(), s.OAuth2(auto_error=False)),
        "oidc": (
            s.OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration"),
            s.OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration", auto_error=False),
        ),
    }

    def add(path: str, marker: Any, is_async: bool) -> None:
        if is_async:

            async def endpoint(value: Annotated[Any, marker]):
                return {"value": value}

        else:

            def endpoint(value: Annotated[Any, marker]):
                return {"value": value}

        router.add_api_route(path, endpoint, methods=["GET"])

    for name, (required, optional) in schemes.items():
        add(f"/{name}", api.Depends(required), is_async=False)
        add(f"/{name}/security", api.Security(required), is_async=True)
        add(f"/{name}/optional", api.Depends(optional), is_async=True)
        add(f"/{name}/optional/security", api.Security(optional), is_async=False)
    return router


def scheme_requests(name: str, cases: list[dict[str, Any]]) -> list[tuple[str, str, dict]]:
    requests = []
    for suffix in ("", "/security", "/optional", "/optional/security"):
        for case in cases:
            requests.append(("GET", f"/{name}{suffix}", case))
    return requests


AUTHORIZATION_CASES = [
    {},
    auth("Bearer abc.def"),
    auth("bearer  abc "),
    auth("Bearer"),
    auth("Bearer "),
    auth("Token abc"),
    auth("Basic dXNlcjpwYXNz"),
    auth("Digest username=x, realm=y"),
    auth(""),
    auth("abc"),
]


@pytest.mark.parametrize("name", ["bearer", "digest", "password", "code", "oauth2", "oidc"])
def test_authorization_header_schemes(parity, name):
    parity(build_schemes, scheme_requests(name, AUTHORIZATION_CASES))


BASIC_CASES = [
    {},
    {"headers": basic("alice:secret")},
    {"headers": basic("alice:with:colons")},
    {"headers": basic(":")},
    {"headers": basic("alice:")},
    {"headers": basic("no-colon")},
    {"headers": basic("ünï:cödé".encode())},
    auth("Basic !!!not-base64!!!"),
    auth("Basic abc"),
    auth("Basic"),
    auth("basic " + base64.b64encode(b"lower:case").decode()),
    auth("Bearer abc"),
    auth("Digest abc"),
]


@pytest.mark.parametrize("name", ["basic", "realm"])
def test_http_basic(parity, name):
    parity(build_schemes, scheme_requests(name, BASIC_CASES))


def test_api_keys(parity):
    requests = [
        *scheme_requests(
            "header",
            [
                {},
                {"headers": {"X-Key": "k1"}},
                {"headers": {"x-key": "k2"}},
                {"headers": {"X-Key": ""}},
            ],
        ),
        *scheme_requests(
            "query",
            [{}, {"params": {"key": "k1"}}, {"params": {"key": ""}}, {"params": {"Key": "k"}}],
        ),
        *scheme_requests(
            "cookie",
            [
                {},
                {"headers": {"Cookie": "session=s1"}},
                {"headers": {"Cookie": "session="}},
                {"headers": {"Cookie": "other=1; session=s2"}},
            ],
        ),
    ]
    parity(build_schemes, requests)


def test_scheme_values(serve):
    """The exact values, bodies and WWW-Authenticate headers, on this host."""
    client = serve(build_schemes)

    def check(url, expected_status, expected, www=None, **kwargs):
        response = client.get(url, **kwargs)
        assert response.status_code == expected_status, (url, response.content)
        assert response.json() == expected, url
        assert response.headers.get("www-authenticate") == www, url

    for suffix in ("", "/security"):
        check(f"/bearer{suffix}", 401, NOT_AUTHENTICATED, "Bearer")
        check(f"/bearer{suffix}", 401, NOT_AUTHENTICATED, "Bearer", **auth("Token abc"))
        check(
            f"/bearer{suffix}",
            200,
            {"value": {"scheme": "bearer", "credentials": "abc"}},
            **auth("bearer  abc "),
        )
        check(f"/basic{suffix}", 401, NOT_AUTHENTICATED, "Basic")
        check(f"/realm{suffix}", 401, NOT_AUTHENTICATED, 'Basic realm="simple"')
        check(
            f"/basic{suffix}",
            200,
            {"value": {"username": "alice", "password": "with:colons"}},
            headers=basic("alice:with:colons"),
        )
        check(f"/digest{suffix}", 401, NOT_AUTHENTICATED, "Digest")
        check(
            f"/digest{suffix}",
            200,
            {"value": {"scheme": "Digest", "credentials": "a=b"}},
            **auth("Digest a=b"),
        )
        for name in ("header", "query", "cookie"):
            check(f"/{name}{suffix}", 401, NOT_AUTHENTICATED, "APIKey")
        check(f"/header{suffix}", 200, {"value": "k"}, headers={"X-Key": "k"})
        check(f"/query{suffix}?key=k", 200, {"value": "k"})
        check(f"/cookie{suffix}", 200, {"value": "c"}, headers={"Cookie": "session=c"})
        for name in ("password", "code", "oauth2", "oidc"):
            check(f"/{name}{suffix}", 401, NOT_AUTHENTICATED, "Bearer")
        check(f"/password{suffix}", 200, {"value": "tok"}, **auth("Bearer tok"))
        check(f"/code{suffix}", 401, NOT_AUTHENTICATED, "Bearer", **auth("Basic tok"))
        check(f"/oauth2{suffix}", 200, {"value": "Basic tok"}, **auth("Basic tok"))
        check(f"/oidc{suffix}", 200, {"value": "Whatever x"}, **auth("Whatever x"))

    names = ["bearer", "basic", "realm", "digest", "header", "query", "cookie"]
    names += ["password", "code", "oauth2", "oidc"]
    for name in names:
        for suffix in ("/optional", "/optional/security"):
            check(f"/{name}{suffix}", 200, {"value": None})
    check("/bearer/optional", 200, {"value": None}, **auth("Basic abc"))
    check("/password/optional", 200, {"value": None}, **auth("Token abc"))
    # A malformed Basic header is refused even when auto_error is off, as in FastAPI.
    check("/basic/optional", 401, NOT_AUTHENTICATED, "Basic", **auth("Basic !!!"))
    check("/realm/optional", 401, NOT_AUTHENTICATED, 'Basic realm="simple"', headers=basic("x"))
    check("/basic/optional", 200, {"value": None}, **auth("Bearer abc"))


def test_scheme_options(parity):
    def build(api):
        s = sec(api)
        router = api.Router()
        custom = s.HTTPBearer(bearerFormat="JWT", scheme_name="jwt", description="A JWT")
        refresh = s.OAuth2PasswordBearer(
            "token", scopes={"read": "Read"}, refreshUrl="refresh", description="pw"
        )

        @router.get("/custom")
        def custom_route(
            c: Annotated[Optional[s.HTTPAuthorizationCredentials], api.Depends(custom)],
        ):
            return {"c": c, "name": custom.scheme_name}

        @router.get("/refresh")
        def refresh_route(token: Annotated[str, api.Security(refresh, scopes=["read"])]):
            return {"token": token, "name": refresh.scheme_name}

        return router

    parity(
        build,
        [
            ("GET", "/custom"),
            ("GET", "/custom", auth("Bearer j.w.t")),
            ("GET", "/refresh"),
            ("GET", "/refresh", auth("Bearer t")),
        ],
    )


# --- Security(dep, scopes=[...]) and SecurityScopes: the OAuth2 scopes tutorial ---------------

USERS = {
    "alice-token": {"username": "alice", "scopes": ["me"], "disabled": False},
    "bob-token": {"username": "bob", "scopes": ["me", "items"], "disabled": False},
    "carol-token": {"username": "carol", "scopes": ["me", "items", "admin"], "disabled": True},
}


def build_scopes_app(api, is_async=True):
    s = sec(api)
    router = api.Router()
    oauth2_scheme = s.OAuth2PasswordBearer(
        tokenUrl="token",
        scopes={"me": "Read information about the current user.", "items": "Read items."},
    )

    def check_user(security_scopes, token):
        if security_scopes.scopes:
            authenticate_value = f'Bearer scope="{security_scopes.scope_str}"'
        else:
            authenticate_value = "Bearer"
        user = USERS.get(token)
        if user is None:
            raise api.HTTPException(
                status_code=401,
                detail="Could not validate credentials",
                headers={"WWW-Authenticate": authenticate_value},
            )
        for scope in security_scopes.scopes:
            if scope not in user["scopes"]:
                raise api.HTTPException(
                    status_code=401,
                    detail="Not enough permissions",
                    headers={"WWW-Authenticate": authenticate_value},
                )
        return {**user, "checked": security_scopes.scopes}

    if is_async:

        async def get_current_user(
            security_scopes: s.SecurityScopes, token: Annotated[str, api.Depends(oauth2_scheme)]
        ):
            return check_user(security_scopes, token)

        async def get_current_active_user(
            current_user: Annotated[dict, api.Security(get_current_user, scopes=["me"])],
        ):
            if current_user["disabled"]:
                raise api.HTTPException(status_code=400, detail="Inactive user")
            return current_user

    else:

        def get_current_user(
            security_scopes: s.SecurityScopes, token: Annotated[str, api.Depends(oauth2_scheme)]
        ):
            return check_user(security_scopes, token)

        def get_current_active_user(
            current_user: Annotated[dict, api.Security(get_current_user, scopes=["me"])],
        ):
            if current_user["disabled"]:
                raise api.HTTPException(status_code=400, detail="Inactive user")
            return current_user

    @router.get("/users/me/")
    def read_users_me(current_user: Annotated[dict, api.Depends(get_current_active_user)]):
        return current_user

    @router.get("/users/me/items/")
    def read_own_items(
        current_user: Annotated[dict, api.Security(get_current_active_user, scopes=["items"])],
    ):
        return [{"item_id": "Foo", "owner": current_user["username"]}]

    @router.get("/status/")
    def read_system_status(current_user: Annotated[dict, api.Depends(get_current_user)]):
        return {"status": "ok", "checked": current_user["checked"]}

    @router.get("/admin/", dependencies=[api.Security(get_current_user, scopes=["admin"])])
    def admin():
        return {"admin": True}

    # The same dependency with and without scopes in one request: the cache must not
    # hand the unscoped user to the scoped check (FastAPI keys the cache by scopes).
    @router.get("/both/")
    def both(
        plain: Annotated[dict, api.Depends(get_current_active_user)],
        scoped: Annotated[dict, api.Security(get_current_active_user, scopes=["items"])],
    ):
        return {"plain": plain["checked"], "scoped": scoped["checked"]}

    @router.get("/both-reversed/")
    def both_reversed(
        scoped: Annotated[dict, api.Security(get_current_active_user, scopes=["admin"])],
        plain: Annotated[dict, api.Depends(get_current_active_user)],
    ):
        return {"plain": plain["checked"], "scoped": scoped["checked"]}

    return router


SCOPES_REQUESTS = [
    ("GET", url, case)
    for url in (
        "/users/me/",
        "/users/me/items/",
        "/status/",
        "/admin/",
        "/both/",
        "/both-reversed/",
    )
    for case in (
        {},
        auth("Bearer nobody"),
        auth("Bearer alice-token"),
        auth("Bearer bob-token"),
        auth("Bearer carol-token"),
        auth("Basic alice-token"),
    )
]


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_oauth2_scopes_tutorial(parity, is_async):
    parity(lambda api: build_scopes_app(api, is_async), SCOPES_REQUESTS)


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_oauth2_scopes_values(serve, is_async):
    client = serve(lambda api: build_scopes_app(api, is_async))
    me = client.get("/users/me/", **auth("Bearer alice-token"))
    assert me.status_code == 200
    assert me.json() == {
        "username": "alice",
        "scopes": ["me"],
        "disabled": False,
        "checked": ["me"],
    }

    items = client.get("/users/me/items/", **auth("Bearer alice-token"))
    assert items.status_code == 401
    assert items.json() == {"detail": "Not enough permissions"}
    assert items.headers["www-authenticate"] == 'Bearer scope="items me"'

    items = client.get("/users/me/items/", **auth("Bearer bob-token"))
    assert items.json() == [{"item_id": "Foo", "owner": "bob"}]

    unknown = client.get("/users/me/", **auth("Bearer nobody"))
    assert unknown.status_code == 401
    assert unknown.json() == {"detail": "Could not validate credentials"}
    assert unknown.headers["www-authenticate"] == 'Bearer scope="me"'

    missing = client.get("/status/")
    assert (missing.status_code, missing.json()) == (401, NOT_AUTHENTICATED)
    assert missing.headers["www-authenticate"] == "Bearer"

    status = client.get("/status/", **auth("Bearer nobody"))
    assert status.headers["www-authenticate"] == "Bearer"
    assert client.get("/status/", **auth("Bearer alice-token")).json() == {
        "status": "ok",
        "checked": [],
    }

    admin = client.get("/admin/", **auth("Bearer bob-token"))
    assert admin.status_code == 401
    assert admin.headers["www-authenticate"] == 'Bearer scope="admin"'

    inactive = client.get("/users/me/", **auth("Bearer carol-token"))
    assert (inactive.status_code, inactive.json()) == (400, {"detail": "Inactive user"})

    both = client.get("/both/", **auth("Bearer alice-token"))
    assert both.status_code == 401
    assert both.json() == {"detail": "Not enough permissions"}
    assert client.get("/both/", **auth("Bearer bob-token")).json() == {
        "plain": ["me"],
        "scoped": ["items", "me"],
    }
    reversed_ = client.get("/both-reversed/", **auth("Bearer bob-token"))
    assert reversed_.status_code == 401
    assert reversed_.headers["www-authenticate"] == 'Bearer scope="admin me"'


def build_scope_levels(api):
    """SecurityScopes at several levels, with repeated scopes, and the cache keyed by them."""
    s = sec(api)
    router = api.Router()
    calls: dict[str, int] = {}

    def count(name):
        calls[name] = calls.get(name, 0) + 1

    def leaf(security_scopes: s.SecurityScopes):
        count("leaf")
        return security_scopes.scopes

    def middle(
        security_scopes: s.SecurityScopes,
        below: Annotated[list, api.Security(leaf, scopes=["a", "c"])],
    ):
        count("middle")
        return {"middle": security_scopes.scopes, "str": security_scopes.scope_str, "leaf": below}

    def wrapper(inner: Annotated[dict, api.Depends(leaf)]):
        # No SecurityScopes of its own; a sub-dependency reads them.
        count("wrapper")
        return inner

    def plain():
        count("plain")
        return "plain"

    @router.get("/levels")
    def levels(
        security_scopes: s.SecurityScopes,
        top: Annotated[dict, api.Security(middle, scopes=["a", "b"])],
    ):
        return {"handler": security_scopes.scopes, "top": top}

    @router.get("/repeat")
    def repeat(top: Annotated[dict, api.Security(middle, scopes=["a", "a"])]):
        return top

    @router.get("/nested")
    def nested(
        one: Annotated[list, api.Security(wrapper, scopes=["x"])],
        two: Annotated[list, api.Security(wrapper, scopes=["y"])],
        three: Annotated[list, api.Depends(wrapper)],
        four: Annotated[list, api.Security(wrapper, scopes=["x"])],
        p1: Annotated[str, api.Security(plain, scopes=["x"])],
        p2: Annotated[str, api.Depends(plain)],
    ):
        return {"values": [one, two, three, four, p1, p2], "calls": dict(sorted(calls.items()))}

    @router.get("/same-set")
    def same_set(
        one: Annotated[list, api.Security(leaf, scopes=["x", "y"])],
        two: Annotated[list, api.Security(leaf, scopes=["y", "x", "y"])],
        three: Annotated[list, api.Security(leaf, scopes=["x"], use_cache=False)],
    ):
        return {"values": [one, two, three], "calls": dict(sorted(calls.items()))}

    @router.get("/reset")
    def reset():
        calls.clear()
        return {}

    return router


def test_security_scopes_levels_and_cache(parity):
    requests = []
    for url in ("/levels", "/repeat", "/nested", "/same-set"):
        requests += [("GET", "/reset"), ("GET", url)]
    results = parity(build_scope_levels, requests)
    levels, repeat, nested, same_set = (r.json() for r in results[1::2])
    assert levels == {
        "handler": [],
        "top": {"middle": ["a", "b"], "str": "a b", "leaf": ["a", "b", "c"]},
    }
    assert repeat["middle"] == ["a"]
    assert repeat["leaf"] == ["a", "a", "c"]
    assert nested == {
        "values": [["x"], ["y"], [], ["x"], "plain", "plain"],
        # Declared scopes key the cache even for a dependency that never reads them.
        "calls": {"leaf": 3, "plain": 2, "wrapper": 3},
    }
    assert same_set == {"values": [["x", "y"], ["x", "y"], ["x"]], "calls": {"leaf": 2}}


def test_override_keeps_scopes(parity):
    def build(api):
        s = sec(api)
        router = api.Router()

        def real(security_scopes: s.SecurityScopes):
            return {"real": security_scopes.scopes}

        def fake(security_scopes: s.SecurityScopes):
            return {"fake": security_scopes.scopes}

        @router.get("/")
        def handler(value: Annotated[dict, api.Security(real, scopes=["a", "b"])]):
            return value

        if api.native:
            router._test_overrides = {real: fake}
        else:
            router.dependency_overrides[real] = fake
        return router

    # FastAPI's overrides live on the app; emulate them through the app the fixture builds.
    import fastapi

    original = fastapi.FastAPI.include_router

    def include_router(self, router, *args, **kwargs):
        self.dependency_overrides.update(getattr(router, "_test_overrides", {}))
        return original(self, router, *args, **kwargs)

    fastapi.FastAPI.include_router = include_router
    try:
        (result,) = parity(build, [("GET", "/")])
    finally:
        fastapi.FastAPI.include_router = original
    assert result.json() == {"fake": ["a", "b"]}


def test_yield_dependency_cache_keeps_teardown_scope(parity):
    """One yield dependency under two teardown scopes runs twice, as in FastAPI."""

    def build(api):
        router = api.Router()
        calls = []

        def resource():
            calls.append("enter")
            yield len(calls)

        @router.get("/")
        def handler(
            a: Annotated[int, api.Depends(resource)],
            b: Annotated[int, api.Depends(resource, scope="function")],
            c: Annotated[int, api.Depends(resource, scope="request")],
        ):
            values = [a, b, c]
            calls.clear()
            return values

        return router

    (result,) = parity(build, [("GET", "/")])
    assert result.json() == [1, 2, 1]


# --- subclasses, the synchronous path, the recorded schemes ----------------------------------


def build_subclassed(api):
    s = sec(api)
    router = api.Router()

    class TokenInCookieOrHeader(s.OAuth2PasswordBearer):
        async def __call__(self, request: api.Request) -> Optional[str]:
            cookie = request.cookies.get("token")
            if cookie:
                return cookie
            return await super().__call__(request)

    class LoggingBasic(s.HTTPBasic):
        async def __call__(self, request: api.Request):
            credentials = await super().__call__(request)
            if credentials is not None and credentials.username == "blocked":
                raise api.HTTPException(403, "Blocked", headers={"X-Reason": "blocked"})
            return credentials

    token_scheme = TokenInCookieOrHeader(tokenUrl="token")
    basic_scheme = LoggingBasic(realm="subclass", auto_error=False)

    @router.get("/token")
    def token(value: Annotated[str, api.Depends(token_scheme)]):
        return {"token": value}

    @router.get("/basic")
    def basic_route(value: Annotated[Any, api.Security(basic_scheme)]):
        return {"credentials": value}

    return router


def test_subclass_awaiting_super(parity):
    results = parity(
        build_subclassed,
        [
            ("GET", "/token"),
            ("GET", "/token", auth("Bearer from-header")),
            ("GET", "/token", {"headers": {"Cookie": "token=from-cookie"}}),
            ("GET", "/basic"),
            ("GET", "/basic", {"headers": basic("alice:pw")}),
            ("GET", "/basic", {"headers": basic("blocked:pw")}),
            ("GET", "/basic", {"headers": basic("missing-colon")}),
        ],
    )
    statuses = [r.status_code for r in results]
    assert statuses == [401, 200, 200, 200, 200, 403, 401]
    assert results[1].json() == {"token": "from-header"}
    assert results[2].json() == {"token": "from-cookie"}
    assert results[4].json() == {"credentials": {"username": "alice", "password": "pw"}}
    assert results[5].headers["x-reason"] == "blocked"
    assert results[6].headers["www-authenticate"] == 'Basic realm="subclass"'


def test_schemes_keep_the_synchronous_path():
    router = build_schemes(DUALWEB)
    assert router.routes, "no routes"
    for route in router.routes:
        dependant = route.dependant
        if dependant.is_coroutine:
            continue
        assert dependant.all_sync, route.path
    sync_routes = [r for r in router.routes if not r.dependant.is_coroutine]
    assert len(sync_routes) == len(router.routes) // 2

    scopes_router = build_scopes_app(DUALWEB, is_async=False)
    assert all(route.dependant.all_sync for route in scopes_router.routes)
    async_router = build_scopes_app(DUALWEB, is_async=True)
    assert not async_router.routes[0].dependant.all_sync

    # A subclass whose __call__ really awaits leaves the synchronous path.
    subclassed = build_subclassed(DUALWEB)
    assert not any(route.dependant.all_sync for route in subclassed.routes)


def test_security_schemes_recorded():
    api = DUALWEB
    router = build_scopes_app(api, is_async=False)
    route = next(r for r in router.routes if r.path == "/users/me/items/")
    found = [
        (d.security_scheme, d.scopes)
        for d in route.dependant.walk()
        if d.security_scheme is not None
    ]
    assert len(found) == 1
    scheme, scopes = found[0]
    assert isinstance(scheme, dualweb.security.OAuth2PasswordBearer)
    assert scheme.scheme_name == "OAuth2PasswordBearer"
    assert scopes == ["items", "me"]
    assert scheme.model.flows.password.tokenUrl == "token"
    assert scheme.model.flows.password.scopes == {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }

    admin = next(r for r in router.routes if r.path == "/admin/")
    (admin_scheme,) = [d for d in admin.dependant.walk() if d.security_scheme is not None]
    assert admin_scheme.scopes == ["admin"]

    router = build_schemes(api)
    kinds = {}
    for route in router.routes:
        (dep,) = [d for d in route.dependant.walk() if d.security_scheme is not None]
        kinds[route.path] = (type(dep.security_scheme).__name__, _dump(dep.security_scheme))
    assert kinds["/bearer"] == ("HTTPBearer", {"type": "http", "scheme": "bearer"})
    assert kinds["/realm/optional"] == ("HTTPBasic", {"type": "http", "scheme": "basic"})
    assert kinds["/query/security"] == (
        "APIKeyQuery",
        {"type": "apiKey", "in": "query", "name": "key"},
    )
    assert kinds["/code"][1] == {
        "type": "oauth2",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "authorize",
                "tokenUrl": "token",
                "scopes": {},
            }
        },
    }
    assert kinds["/oidc"] == (
        "OpenIdConnect",
        {"type": "openIdConnect", "openIdConnectUrl": "/.well-known/openid-configuration"},
    )

    subclassed = build_subclassed(api)
    (dep,) = [d for d in subclassed.routes[0].dependant.walk() if d.security_scheme is not None]
    assert dep.security_scheme.scheme_name == "TokenInCookieOrHeader"


def _dump(scheme):
    return scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True)


def test_scheme_models_match_fastapi(fastapi_ns):
    """Each scheme describes itself for the API document as FastAPI's does."""

    def native_schemes(dependant):
        for sub in dependant.dependencies:
            yield from native_schemes(sub)
        from fastapi.security.base import SecurityBase

        if isinstance(dependant.call, SecurityBase):
            import fastapi.dependencies.models as models

            # FastAPI's private reading of the scopes: a function from 0.140.0, before that
            # the dependant's oauth_scopes property.
            if hasattr(models, "_get_oauth_scopes"):
                yield dependant.call, models._get_oauth_scopes(dependant=dependant)
            else:
                yield dependant.call, dependant.oauth_scopes

    for build in (build_schemes, lambda api: build_scopes_app(api, False)):
        ours = build(DUALWEB)
        theirs = build(fastapi_ns)
        assert len(ours.routes) == len(theirs.routes)
        for mine, native in zip(ours.routes, theirs.routes):
            assert mine.path == native.path
            got = [
                (d.security_scheme.scheme_name, _dump(d.security_scheme), d.scopes)
                for d in mine.dependant.walk()
                if d.security_scheme is not None
            ]
            want = [
                (s.scheme_name, _dump(s), scopes) for s, scopes in native_schemes(native.dependant)
            ]
            assert got == want, mine.path


# --- the token endpoint: OAuth2PasswordRequestForm -------------------------------------------


def build_token_endpoint(api):
    s = sec(api)
    router = api.Router()

    @router.post("/token")
    def login(form_data: Annotated[s.OAuth2PasswordRequestForm, api.Depends()]):
        user = USERS.get(f"{form_data.username}-token")
        if user is None or form_data.password != "secret":
            raise api.HTTPException(400, "Incorrect username or password")
        return {
            "access_token": f"{form_data.username}-token",
            "token_type": "bearer",
            "scopes": form_data.scopes,
            "grant_type": form_data.grant_type,
            "client_id": form_data.client_id,
            "client_secret": form_data.client_secret,
        }

    @router.post("/token/strict")
    async def strict(form_data: Annotated[s.OAuth2PasswordRequestFormStrict, api.Depends()]):
        return {"username": form_data.username, "grant_type": form_data.grant_type}

    return router


def test_password_request_form(parity):
    good = {"username": "bob", "password": "secret"}
    results = parity(
        build_token_endpoint,
        [
            ("POST", "/token", {"data": good}),
            ("POST", "/token", {"data": {**good, "scope": "me items", "grant_type": "password"}}),
            ("POST", "/token", {"data": {**good, "client_id": "app", "client_secret": "s3"}}),
            ("POST", "/token", {"data": {**good, "grant_type": "client_credentials"}}),
            ("POST", "/token", {"data": {"username": "bob", "password": "wrong"}}),
            ("POST", "/token", {"data": {"username": "bob"}}),
            ("POST", "/token", {"data": {}}),
            ("POST", "/token"),
            ("POST", "/token", {"json": good}),
            ("POST", "/token/strict", {"data": good}),
            ("POST", "/token/strict", {"data": {**good, "grant_type": "password"}}),
        ],
    )
    assert results[0].json() == {
        "access_token": "bob-token",
        "token_type": "bearer",
        "scopes": [],
        "grant_type": None,
        "client_id": None,
        "client_secret": None,
    }
    assert results[1].json()["scopes"] == ["me", "items"]
    assert results[2].json()["client_secret"] == "s3"
    assert results[3].status_code == 422
    assert results[3].json()["detail"][0]["loc"] == ["body", "grant_type"]
    assert results[4].json() == {"detail": "Incorrect username or password"}
    assert [e["loc"] for e in results[5].json()["detail"]] == [["body", "password"]]
    assert results[9].status_code == 422
    assert results[10].json() == {"username": "bob", "grant_type": "password"}
