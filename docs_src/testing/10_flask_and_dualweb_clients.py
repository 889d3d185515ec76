from dualweb.testing import client_for_app

# Before: Flask's test client.
old = shop.test_client()
response = old.get("/search", query_string={"q": "tea", "limit": 2})
assert response.status_code == 200
assert response.json == {"q": "tea", "limit": 2}
assert old.get("/robots.txt").data == b"User-agent: *"

# After: dualweb's client, which also runs on FastAPI and Starlette.
new = client_for_app(shop)
response = new.get("/search", params={"q": "tea", "limit": 2})
assert response.status_code == 200
assert response.json() == {"q": "tea", "limit": 2}
assert new.get("/robots.txt").content == b"User-agent: *"
