assert old.get("/account").status_code == 302  # Flask's client stops
assert old.get("/account", follow_redirects=True).request.path == "/sign-in"

assert new.get("/account").url.path == "/sign-in"  # dualweb's client follows
assert new.get("/account", follow_redirects=False).status_code == 302
stops = client_for_app(shop, follow_redirects=False)
assert stops.get("/account").headers["location"] == "/sign-in"
