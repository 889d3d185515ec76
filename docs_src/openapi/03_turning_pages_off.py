for target in ("flask", "starlette"):
    for off in (None, ""):
        quiet = TestClient(router, target, openapi_url=off)
        pages = [quiet.get(url).status_code for url in ("/openapi.json", "/docs", "/redoc")]
        assert pages == [404, 404, 404]
        assert quiet.get("/items/1").status_code == 200  # the API itself is unaffected

    no_redoc = TestClient(
        router, target, redoc_url=None, swagger_ui_parameters={"deepLinking": False}
    )
    assert no_redoc.get("/redoc").status_code == 404
    assert '"deepLinking": false' in no_redoc.get("/docs").text
