"""Jinja2 templates: pages rendered with the request, links, context processors, the
response's arguments, background tasks, missing templates and static files, on every host
and compared with native FastAPI."""

from pathlib import Path

import jinja2
import pytest
from fastapi.templating import Jinja2Templates as FastAPITemplates

import dualweb
from dualweb.responses import HTMLResponse
from dualweb.templating import Jinja2Templates
from dualweb.testing import build_app, client_for_app
from tests._helpers import recorded, templating
from tests.conftest import DUALWEB, native_client

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_pages(api, log):
    def site(request):
        # Called with the request; what it gives wins over the handler's context.
        log.append(f"processor {request.url.path}")
        return {"site": "shop", "note": "from the processor"}

    templates = templating(api).Jinja2Templates(TEMPLATES, context_processors=[site])
    router = api.Router()

    @router.get("/items/{item_id}", name="item")
    def item(item_id: int):
        return {"item_id": item_id}

    @router.get("/page/{item_id}", response_class=api.HTMLResponse)
    def page(request: api.Request, item_id: int, name: str = "you"):
        context = {"name": name, "item_id": item_id, "note": "from the handler"}
        return templates.TemplateResponse(request, "page.html", context)

    @router.get("/note")
    async def note(request: api.Request, name: str):
        tasks = api.BackgroundTasks()
        tasks.add_task(log.append, f"task after {name}")
        return templates.TemplateResponse(
            request,
            "note.txt",
            {"name": name},
            status_code=202,
            headers={"X-Kind": "note", "Cache-Control": "no-store"},
            media_type="text/plain",
            background=tasks,
        )

    @router.get("/missing")
    def missing(request: api.Request):
        return templates.TemplateResponse(request, "no-such-page.html")

    @router.get("/broken")
    async def broken(request: api.Request):
        return templates.TemplateResponse(request, "broken.html")

    return router


HOSTILE = "<script>alert('x') & \"y\"</script>"


def test_pages_links_processors_and_escaping(parity):
    build, logs = recorded(make_pages)
    page, plain = parity(
        build,
        [
            ("GET", "/page/7", {"params": {"name": HOSTILE}}),
            ("GET", "/note", {"params": {"name": HOSTILE}}),
        ],
    )
    expected = ["processor /page/7", "processor /note", "task after " + HOSTILE]
    assert logs["dualweb"] == logs["native"] == expected
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>&lt;script&gt;alert(&#39;x&#39;) &amp; &#34;y&#34;&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    assert "from GET /page/7?&lt;script&gt;" in page.text
    assert '<a href="http://testserver/items/7">item 7</a>' in page.text
    assert "<p>from the processor</p>" in page.text
    # A .txt template is not autoescaped; the response's own arguments are kept.
    assert plain.text == f"{HOSTILE} (shop) is not escaped in a .txt template."
    assert (plain.status_code, plain.headers["x-kind"]) == (202, "note")
    assert plain.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("path", ["/missing", "/broken"])
def test_a_missing_template_propagates_as_in_fastapi(host, fastapi_ns, path):
    build, _ = recorded(make_pages)
    ours = client_for_app(build_app(build(DUALWEB), host))
    theirs = native_client(build, fastapi_ns)
    expected = "no-such-page.html" if path == "/missing" else "nowhere.html"
    for client in (ours, theirs):
        with pytest.raises(jinja2.TemplateNotFound, match=expected):
            client.get(path)
    ours = client_for_app(build_app(build(DUALWEB), host), raise_server_exceptions=False)
    theirs = native_client(build, fastapi_ns, raise_server_exceptions=False)
    assert ours.get(path).status_code == theirs.get(path).status_code == 500


def test_the_response_keeps_its_template_and_context(host):
    templates = Jinja2Templates(directory=[TEMPLATES / "nowhere", TEMPLATES])
    seen = {}
    router = dualweb.Router()

    @router.get("/note")
    def note(request: dualweb.Request):
        context = {"name": "Ada", "site": "s"}
        response = templates.TemplateResponse(request, "note.txt", context)
        seen.update(response=response, context=context, request=request)
        return response

    assert client_for_app(build_app(router, host)).get("/note").text.startswith("Ada (s)")
    response = seen["response"]
    assert isinstance(response, HTMLResponse)
    assert response.template is templates.get_template("note.txt")
    # The caller's dict, with the request added, as Starlette keeps it.
    assert response.context is seen["context"]
    assert response.context["request"] is seen["request"]


def build_env_page(api):
    env = jinja2.Environment(loader=jinja2.DictLoader({"one": "{{ url_for('one', n=n) }}|{{ x }}"}))
    templates = templating(api).Jinja2Templates(env=env)
    router = api.Router()

    @router.get("/one/{n}", name="one")
    def one(request: api.Request, n: int):
        # An environment of one's own keeps its settings: no autoescaping here.
        return templates.TemplateResponse(request, "one", {"n": n, "x": "<b>"})

    return router


def test_an_environment_of_ones_own(parity):
    (response,) = parity(build_env_page, [("GET", "/one/3")])
    assert response.text == "http://testserver/one/3|<b>"


@pytest.mark.parametrize("cls", [Jinja2Templates, FastAPITemplates], ids=["dualweb", "fastapi"])
def test_directory_or_env_exactly_one(cls):
    message = "either 'directory' or 'env' arguments must be passed"
    with pytest.raises(AssertionError, match=message):
        cls()
    with pytest.raises(AssertionError, match=message):
        cls(TEMPLATES, env=jinja2.Environment())
    templates = cls(TEMPLATES)
    assert templates.env.autoescape("page.html") is True
    assert templates.env.autoescape("note.txt") is False
    assert "url_for" in templates.env.globals


# --- static files: Flask's static folder, Starlette's StaticFiles -------------------------


def _static_router():
    templates = Jinja2Templates(TEMPLATES)
    router = dualweb.Router()

    @router.get("/styled")
    def styled(request: dualweb.Request):
        return templates.TemplateResponse(request, "static.html")

    return router


def _with_static_files(app, host, folder: Path):
    if host == "flask":
        app.static_folder = folder  # the app's own `static` endpoint serves it
        return app
    from starlette.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=folder), name="static")
    return app


@pytest.fixture
def static_folder(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "app.css").write_text("body { color: teal }")
    (tmp_path / "js" / "app.js").write_text("console.log(1)")
    return tmp_path


def test_static_urls_on_every_host(host, static_folder):
    app = _with_static_files(build_app(_static_router(), host), host, static_folder)
    client = client_for_app(app)
    page = client.get("/styled")
    assert page.text == (
        '<link rel="stylesheet" href="http://testserver/static/app.css">\n'
        '<script src="http://testserver/static/js/app.js"></script>'
    )
    assert client.get("http://testserver/static/app.css").text == "body { color: teal }"
    assert client.get("http://testserver/static/js/app.js").text == "console.log(1)"


def test_static_urls_match_native_fastapi(static_folder):
    import fastapi
    from starlette.staticfiles import StaticFiles

    templates = FastAPITemplates(TEMPLATES)
    app = fastapi.FastAPI()
    app.mount("/static", StaticFiles(directory=static_folder), name="static")

    @app.get("/styled")
    def styled(request: fastapi.Request):
        return templates.TemplateResponse(request, "static.html")

    native = client_for_app(app).get("/styled").text
    flask_app = _with_static_files(build_app(_static_router(), "flask"), "flask", static_folder)
    assert client_for_app(flask_app).get("/styled").text == native


def test_flask_keeps_its_own_static_spelling(static_folder):
    router = dualweb.Router()

    @router.get("/links")
    def links(request: dualweb.Request):
        return {
            "filename": str(request.url_for("static", filename="app.css")),
            "path": str(request.url_for("static", path="//app.css")),
        }

    app = _with_static_files(build_app(router, "flask"), "flask", static_folder)
    assert client_for_app(app).get("/links").json() == {
        "filename": "http://testserver/static/app.css",
        "path": "http://testserver/static/app.css",
    }
