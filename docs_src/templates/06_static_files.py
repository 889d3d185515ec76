import flask
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

import dualweb.fastapi
import dualweb.flask
import dualweb.starlette

static_dir = workdir / "static"
static_dir.mkdir()
(static_dir / "app.css").write_text("h1 { color: teal }")
(templates_dir / "styled.html").write_text(
    "<link rel=\"stylesheet\" href=\"{{ url_for('static', path='/app.css') }}\">"
)
router = Router()


@router.get("/styled", response_class=HTMLResponse)
def styled(request: Request):
    return templates.TemplateResponse(request, "styled.html")


flask_app = flask.Flask(__name__, static_folder=static_dir)
dualweb.flask.mount(flask_app, router)

fastapi_app = FastAPI()
fastapi_app.mount("/static", StaticFiles(directory=static_dir), name="static")
dualweb.fastapi.mount(fastapi_app, router)

starlette_app = Starlette(
    routes=[Mount("/static", StaticFiles(directory=static_dir), name="static")]
)
dualweb.starlette.mount(starlette_app, router)

for app in (flask_app, fastapi_app, starlette_app):
    client = client_for_app(app)
    page = client.get("/styled")
    assert page.text == '<link rel="stylesheet" href="http://testserver/static/app.css">'
    assert client.get("/static/app.css").text == "h1 { color: teal }"
