app = Flask(__name__)


@app.errorhandler(400)
def bad_request(error):
    fields = [e["loc"][-1] for e in getattr(error, "errors", list)()]
    return {"message": "bad input", "fields": fields}, 400


dualweb.flask.mount(app, router, errors="app")

answer = app.test_client().get("/books?limit=0")
assert (answer.status_code, answer.json) == (400, {"message": "bad input", "fields": ["limit"]})
