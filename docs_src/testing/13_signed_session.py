signer = shop.session_interface.get_signing_serializer(shop)
client = client_for_app(shop, secure_cookies_over_http=True)
client.cookies.set(shop.config["SESSION_COOKIE_NAME"], signer.dumps({"user": "bob"}))
assert client.get("/account").json() == {"user": "bob"}
assert signer.loads(client.cookies[shop.config["SESSION_COOKIE_NAME"]]) == {"user": "bob"}
