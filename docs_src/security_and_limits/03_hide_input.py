class Login(BaseModel):
    user: str
    pin: int


api = Router(hide_input_in_errors=True)


@api.post("/login")
def login(credentials: Login):
    return {"user": credentials.user}


for target in TARGETS:
    client = TestClient(api, target)
    response = client.post("/login", json={"user": "ada", "pin": "s3cret"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["body", "pin"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            }
        ]
    }
