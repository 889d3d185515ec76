router = Router()


@router.get("/oops")
def oops(request: Request):
    return templates.TemplateResponse(request, "no-such-page.html")


for target in HOSTS:
    try:
        TestClient(router, target).get("/oops")
    except jinja2.TemplateNotFound as exc:
        assert exc.name == "no-such-page.html"
    else:
        raise AssertionError("expected TemplateNotFound")
    assert TestClient(router, target, raise_server_exceptions=False).get("/oops").status_code == 500

shutil.rmtree(workdir)
