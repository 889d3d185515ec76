from dualweb import BackgroundTasks

(templates_dir / "robots.txt").write_text("User-agent: *\nDisallow: {{ hidden }}")
sent = []
router = Router()


@router.get("/robots.txt")
def robots(request: Request):
    tasks = BackgroundTasks()
    tasks.add_task(sent.append, "robots.txt")
    return templates.TemplateResponse(
        request,
        "robots.txt",
        {"hidden": "/admin"},
        status_code=200,
        headers={"Cache-Control": "max-age=3600"},
        media_type="text/plain",
        background=tasks,
    )


for target in HOSTS:
    response = TestClient(router, target).get("/robots.txt")
    assert response.text == "User-agent: *\nDisallow: /admin"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "max-age=3600"
assert sent == ["robots.txt"] * len(HOSTS)
