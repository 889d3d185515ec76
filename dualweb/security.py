"""Security schemes as dependencies: the same 401s, bodies and headers as FastAPI's.

Each scheme is a callable instance used with ``Depends``/``Security``. Its
``model`` describes it for the OpenAPI document and ``scheme_name`` names it
there. The ``__call__`` methods are ``async`` (subclasses may
``await super().__call__(request)`` as with FastAPI) but await nothing, and say
so, so a graph of them still runs without an event loop on WSGI.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel

from ._core.plan import SecurityScopes
from .exceptions import HTTPException
from .openapi import models
from .params import Form
from .requests import HTTPConnection

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityBase",
    "SecurityScopes",
]

F = TypeVar("F", bound=Callable[..., Any])


def _awaits_nothing(func: F) -> F:
    func.__dualweb_never_suspends__ = True  # type: ignore[attr-defined]
    return func


def _scheme_and_param(header: str | None) -> tuple[str, str]:
    if not header:
        return "", ""
    scheme, _, param = header.partition(" ")
    return scheme, param.strip()


def _unauthorized(www_authenticate: str) -> HTTPException:
    return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": www_authenticate})


class SecurityBase:
    """What every scheme has: its OpenAPI ``model`` and its ``scheme_name``."""

    model: models.SecuritySchemeModel
    scheme_name: str
    auto_error: bool


# --- HTTP authentication -----------------------------------------------------------------


class HTTPBasicCredentials(BaseModel):
    """The user name and password of HTTP Basic authentication."""

    username: str
    password: str


class HTTPAuthorizationCredentials(BaseModel):
    """The scheme and credentials of an ``Authorization`` header."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """Any HTTP ``Authorization`` scheme."""

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.HTTPBase(scheme=scheme, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        """The ``WWW-Authenticate`` header sent with a 401."""
        return {"WWW-Authenticate": self.model.scheme.title()}  # type: ignore[attr-defined]

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 raised when credentials are missing or malformed."""
        return HTTPException(401, "Not authenticated", headers=self.make_authenticate_headers())

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        authorization = request.headers.get("Authorization")
        scheme, credentials = _scheme_and_param(authorization)
        if not (authorization and scheme and credentials):
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """HTTP Basic authentication: gives ``HTTPBasicCredentials``."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.HTTPBase(scheme="basic", description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.realm = realm
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = request.headers.get("Authorization")
        scheme, param = _scheme_and_param(authorization)
        if not authorization or scheme.lower() != "basic":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        try:
            decoded = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise self.make_not_authenticated_error() from exc
        username, separator, password = decoded.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """A bearer token in ``Authorization``: gives ``HTTPAuthorizationCredentials``."""

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.HTTPBearer(bearerFormat=bearerFormat, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        authorization = request.headers.get("Authorization")
        scheme, credentials = _scheme_and_param(authorization)
        if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPDigest(HTTPBase):
    """HTTP Digest authentication (the header is passed on, not verified)."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.HTTPBase(scheme="digest", description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        authorization = request.headers.get("Authorization")
        scheme, credentials = _scheme_and_param(authorization)
        if not (authorization and scheme and credentials) or scheme.lower() != "digest":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


# --- API keys -------------------------------------------------------------------------------


class _APIKeyBase(SecurityBase):
    """An API key read from one place of the request (``location``, set per subclass)."""

    location: models.APIKeyIn

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.APIKey.model_validate(
            {"in": self.location, "name": name, "description": description}
        )
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 raised when the key is missing."""
        return _unauthorized("APIKey")

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or ``None`` / a 401 when it is missing."""
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key

    @property
    def _name(self) -> str:
        return self.model.name  # type: ignore[attr-defined, no-any-return]


class APIKeyQuery(_APIKeyBase):
    """An API key in the query string."""

    location = models.APIKeyIn.query

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.query_params.get(self._name))


class APIKeyHeader(_APIKeyBase):
    """An API key in a header."""

    location = models.APIKeyIn.header

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.headers.get(self._name))


class APIKeyCookie(_APIKeyBase):
    """An API key in a cookie."""

    location = models.APIKeyIn.cookie

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.cookies.get(self._name))


# --- OAuth2 and OpenID Connect ---------------------------------------------------------------


class OAuth2PasswordRequestForm:
    """The form of OAuth2's password flow: ``username``, ``password``, ``scope``..."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The password flow's form with ``grant_type=password`` required."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """Any OAuth2 flow: gives the raw ``Authorization`` header."""

    def __init__(
        self,
        *,
        flows: models.OAuthFlows | dict[str, dict[str, Any]] = models.OAuthFlows(),
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.OAuth2(flows=flows, description=description)  # type: ignore[arg-type]
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 raised when the token is missing."""
        return _unauthorized("Bearer")

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return str(authorization)


class _BearerFlow(OAuth2):
    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        scheme, param = _scheme_and_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return param


class OAuth2PasswordBearer(_BearerFlow):
    """OAuth2's password flow: gives the bearer token."""

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}
        super().__init__(
            flows=models.OAuthFlows(password=flow),  # type: ignore[arg-type]
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OAuth2AuthorizationCodeBearer(_BearerFlow):
    """OAuth2's authorization code flow: gives the bearer token."""

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "refreshUrl": refreshUrl,
            "scopes": scopes or {},
        }
        super().__init__(
            flows=models.OAuthFlows(authorizationCode=flow),  # type: ignore[arg-type]
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OpenIdConnect(SecurityBase):
    """OpenID Connect: gives the raw ``Authorization`` header."""

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = models.OpenIdConnect(
            openIdConnectUrl=openIdConnectUrl, description=description
        )
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 raised when the header is missing."""
        return _unauthorized("Bearer")

    @_awaits_nothing
    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return str(authorization)
