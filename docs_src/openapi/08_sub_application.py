from starlette.routing import Mount
from werkzeug.middleware.dispatcher import DispatcherMiddleware

subapi = Router()


@subapi.get("/sub")
def read_sub():
    return {"message": "Hello World from sub API"}


flask_main, flask_sub = flask.Flask("main"), flask.Flask("sub")
dualweb.flask.mount(flask_sub, subapi)
flask_main.wsgi_app = DispatcherMiddleware(flask_main.wsgi_app, {"/subapi": flask_sub})

starlette_sub = starlette.applications.Starlette()
dualweb.starlette.mount(starlette_sub, subapi)
starlette_main = starlette.applications.Starlette(routes=[Mount("/subapi", app=starlette_sub)])

for main in (flask_main, starlette_main):
    client = client_for_app(main)
    assert client.get("/subapi/sub").json() == {"message": "Hello World from sub API"}
    document = client.get("/subapi/openapi.json").json()
    assert (list(document["paths"]), document["servers"]) == (["/sub"], [{"url": "/subapi"}])
    assert 'url: "/subapi/openapi.json"' in client.get("/subapi/docs").text
