with shop.test_request_context("/search?q=tea"):
    assert flask.url_for("account") == "/account"
    assert flask.request.args["q"] == "tea"
