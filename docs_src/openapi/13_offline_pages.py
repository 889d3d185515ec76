for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target, offline_docs=True)
    page = client.get("/docs").text
    assert '<script src="/docs-assets/swagger-ui-bundle.js">' in page
    assert 'href="/docs-assets/swagger-ui.css"' in page
    assert '<script src="/docs-assets/redoc.standalone.js">' in client.get("/redoc").text
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "Apache License" in client.get("/docs-assets/swagger-ui-LICENSE").text
