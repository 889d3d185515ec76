"""What ``mount`` does with FastAPI's constructor keywords beyond the document itself.

Empty documentation URLs, and the root path an app is served under (``root_path``,
``root_path_in_servers``): each compared with native FastAPI built with the same
keywords, on the hosts whose ``mount`` takes them (FastAPI's app has its own).
"""

from typing import Any

import pytest
from test_openapi_hosts import native

from dualweb.testing import TestClient
from tests.conftest import DUALWEB

#: The hosts whose mount takes FastAPI's documentation keywords.
DOCS_HOSTS = ("flask", "starlette")

PAGES = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def build(api: Any) -> Any:
    router = api.Router()

    @router.get("/app")
    def read_main(request: api.Request):
        return {
            "root_path": request.scope.get("root_path"),
            "base_url": str(request.base_url),
            "url_for": str(request.url_for("read_main")),
        }

    return router


@pytest.mark.parametrize("host", DOCS_HOSTS)
def test_empty_urls_turn_off_as_fastapi(host: str) -> None:
    # FastAPI tests its URLs for truth: "" (conditional OpenAPI's production setting) is
    # None, and no document means no pages.
    for keywords in ({"openapi_url": ""}, {"docs_url": ""}, {"redoc_url": ""}):
        client = TestClient(build(DUALWEB), host, **keywords)
        theirs = native(build, **keywords)
        statuses = [client.get(url).status_code for url in PAGES]
        assert statuses == [theirs.get(url).status_code for url in PAGES], keywords
        assert client.get("/app").status_code == 200
