from dualweb import Form

accounts = Router()


@accounts.post("/login")
def login(username: str = Form()):
    return RedirectResponse(f"/users/{username}/home page", status_code=303)


for target in HOSTS:
    client = TestClient(accounts, target)
    response = client.post("/login", data={"username": "zoë"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/users/zo%C3%AB/home%20page"
