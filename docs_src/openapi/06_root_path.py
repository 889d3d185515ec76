from dualweb import Request
from dualweb.testing import build_app, client_for_app

proxied = Router()


@proxied.get("/app")
def read_main(request: Request):
    return {"root_path": request.scope["root_path"], "link": str(request.url_for("read_main"))}


for target in ("flask", "starlette"):
    client = client_for_app(build_app(proxied, target, root_path="/shop"))
    assert client.get("/app").json() == {
        "root_path": "/shop",
        "link": "http://testserver/shop/app",
    }
    assert client.get("/openapi.json").json()["servers"] == [{"url": "/shop"}]
    assert 'url: "/shop/openapi.json"' in client.get("/docs").text
    assert '<redoc spec-url="/shop/openapi.json">' in client.get("/redoc").text

    quiet = build_app(proxied, target, root_path="/shop", root_path_in_servers=False)
    assert "servers" not in client_for_app(quiet).get("/openapi.json").json()
