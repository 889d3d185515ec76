pages = Router(prefix="/pages", default_response_class=HTMLResponse)


@pages.get("/about")
def about():
    return "<p>About us</p>"


@pages.get("/about.txt", response_class=PlainTextResponse)
def about_text():
    return "About us"


@pages.get("/about.json", response_class=JSONResponse)
def about_json():
    return {"about": "us"}


@pages.get("/old-about", response_class=RedirectResponse, status_code=301)
def old_about():
    return "/pages/about"


app = Router()
app.include_router(pages)

for target in HOSTS:
    client = TestClient(app, target)
    assert client.get("/pages/about").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/pages/about.txt").headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/pages/about.json").json() == {"about": "us"}
    moved = client.get("/pages/old-about", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (301, "/pages/about")
