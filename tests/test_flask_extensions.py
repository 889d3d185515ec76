"""On Flask, everything around a dualweb handler is Flask's: the app's hooks in their order,
a hook's early answer, teardown, and extensions that live in Flask's request (Flask-Login's
current user, Flask-SQLAlchemy's session and its removal at the end of the request)."""

from typing import Annotated

import flask
import flask_login
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

import dualweb.flask
from dualweb import Depends, HTTPException, Router
from dualweb.testing import client_for_app


def test_hooks_run_in_flasks_order_around_the_handler_and_teardown_sees_errors():
    app = flask.Flask("hooks")
    seen = []
    router = Router()

    @router.get("/ok")
    def ok() -> str:
        seen.append("handler")
        return "ok"

    @router.get("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    app.before_request(lambda: seen.append("before"))

    @app.after_request
    def after(response):
        seen.append("after")
        return response

    @app.teardown_request
    def teardown(error):
        seen.append(f"teardown {type(error).__name__ if error else None}")

    dualweb.flask.mount(app, router)
    client = client_for_app(app, raise_server_exceptions=False)
    assert client.get("/ok").json() == "ok"
    assert seen == ["before", "handler", "after", "teardown None"]
    seen.clear()
    assert client.get("/boom").status_code == 500
    assert seen == ["before", "after", "teardown ZeroDivisionError"]


def test_a_before_request_hook_that_answers_stops_the_request():
    app = flask.Flask("gate")
    router = Router()
    called = []

    @router.get("/private")
    def private() -> str:
        called.append(True)
        return "secret"

    @app.before_request
    def gate():
        if "x-pass" not in flask.request.headers:
            return {"message": "go away"}, 403
        return None

    dualweb.flask.mount(app, router)
    client = client_for_app(app)
    assert (client.get("/private").status_code, called) == (403, [])
    assert client.get("/private", headers={"x-pass": "1"}).json() == "secret"


class _User(flask_login.UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def test_flask_login_current_user_in_a_dependency():
    app = flask.Flask("login")
    app.secret_key = "test"
    login = flask_login.LoginManager(app)
    login.user_loader(_User)

    @app.post("/login/<name>")
    def log_in(name):
        flask_login.login_user(_User(name))
        return {"logged in": name}

    def signed_in() -> _User:
        user = flask_login.current_user
        if not user.is_authenticated:
            raise HTTPException(401, "Sign in first")
        return user._get_current_object()

    router = Router()

    @router.get("/me")
    def me(user: Annotated[_User, Depends(signed_in)]) -> dict:
        return {"id": user.id}

    dualweb.flask.mount(app, router)
    client = client_for_app(app)
    assert client.get("/me").status_code == 401
    client.post("/login/alice")
    assert client.get("/me").json() == {"id": "alice"}


def test_flask_sqlalchemy_session_is_the_requests_and_removed_after_it(tmp_path):
    app = flask.Flask("orm")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db = SQLAlchemy(app)

    class Book(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(100))

    with app.app_context():
        db.create_all()
    sessions = []
    router = Router()

    @router.post("/books")
    def add(title: str, commit: bool = True) -> dict:
        sessions.append(db.session())
        db.session.add(Book(title=title))
        if commit:
            db.session.commit()
        return {"books": db.session.query(Book).count()}

    @router.get("/books")
    def count() -> int:
        sessions.append(db.session())
        return Book.query.count()

    dualweb.flask.mount(app, router)
    client = client_for_app(app)
    assert client.post("/books", params={"title": "Dune"}).json() == {"books": 1}
    assert client.post("/books", params={"title": "Emma", "commit": False}).json() == {"books": 2}
    # The uncommitted book went with the request's session, removed at its end.
    assert client.get("/books").json() == 1
    assert len({id(session) for session in sessions}) == 3
    # NOTE: the engine's pooled connections closed here, not by the garbage collector:
    # Python 3.13 warns of an unclosed sqlite3 connection, in whichever test comes next.
    with app.app_context():
        db.engine.dispose()


def test_the_app_context_and_g_are_flasks_inside_handlers():
    app = flask.Flask("context")
    app.config["GREETING"] = "hello"
    router = Router()

    @router.get("/ok")
    async def ok() -> dict:
        flask.g.touched = True
        return {"greeting": flask.current_app.config["GREETING"], "path": flask.request.path}

    @app.after_request
    def after(response):
        response.headers["x-touched"] = str(flask.g.get("touched"))
        return response

    dualweb.flask.mount(app, router)
    answer = client_for_app(app).get("/ok")
    assert answer.json() == {"greeting": "hello", "path": "/ok"}
    assert answer.headers["x-touched"] == "True"
