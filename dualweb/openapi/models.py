"""Pydantic models of the OpenAPI objects that parts of the core declare (security schemes)."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "APIKey",
    "APIKeyIn",
    "HTTPBase",
    "HTTPBearer",
    "OAuth2",
    "OAuthFlowAuthorizationCode",
    "OAuthFlowClientCredentials",
    "OAuthFlowImplicit",
    "OAuthFlowPassword",
    "OAuthFlows",
    "OpenIdConnect",
    "SecuritySchemeModel",
    "SecuritySchemeType",
]


class _Open(BaseModel):
    # Extension fields (x-...) are kept, as the OpenAPI specification allows them.
    model_config = ConfigDict(extra="allow")


class SecuritySchemeType(Enum):
    apiKey = "apiKey"
    http = "http"
    oauth2 = "oauth2"
    openIdConnect = "openIdConnect"


class SecuritySchemeModel(_Open):
    type_: SecuritySchemeType = Field(alias="type")
    description: str | None = None


class APIKeyIn(Enum):
    query = "query"
    header = "header"
    cookie = "cookie"


class APIKey(SecuritySchemeModel):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.apiKey, alias="type")
    in_: APIKeyIn = Field(alias="in")
    name: str


class HTTPBase(SecuritySchemeModel):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.http, alias="type")
    scheme: str


class HTTPBearer(HTTPBase):
    scheme: Literal["bearer"] = "bearer"
    bearerFormat: str | None = None


class _Flow(_Open):
    refreshUrl: str | None = None
    scopes: dict[str, str] = {}


class OAuthFlowImplicit(_Flow):
    authorizationUrl: str


class OAuthFlowPassword(_Flow):
    tokenUrl: str


class OAuthFlowClientCredentials(_Flow):
    tokenUrl: str


class OAuthFlowAuthorizationCode(_Flow):
    authorizationUrl: str
    tokenUrl: str


class OAuthFlows(_Open):
    implicit: OAuthFlowImplicit | None = None
    password: OAuthFlowPassword | None = None
    clientCredentials: OAuthFlowClientCredentials | None = None
    authorizationCode: OAuthFlowAuthorizationCode | None = None


class OAuth2(SecuritySchemeModel):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.oauth2, alias="type")
    flows: OAuthFlows


class OpenIdConnect(SecuritySchemeModel):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.openIdConnect, alias="type")
    openIdConnectUrl: str
