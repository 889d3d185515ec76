old.post("/login", json={"user": "alice"})
assert old.get("/account").json == {"user": "alice"}

client = client_for_app(shop, secure_cookies_over_http=True)
client.post("/login", json={"user": "alice"})
assert client.get("/account").json() == {"user": "alice"}

anonymous = client_for_app(shop)  # FastAPI's cookie rules
anonymous.post("/login", json={"user": "alice"})
assert anonymous.get("/account").url.path == "/sign-in"
