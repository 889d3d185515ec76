for target in ("flask", "fastapi", "starlette"):
    client = TestClient(limited, target)
    response = client.post("/comment", data={"text": "x", "a": "1", "b": "2", "c": "3"})
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 3."}

    response = client.post("/comment", data={"text": "x" * 3000})
    assert response.status_code == 413
    assert response.json() == {"detail": "Part exceeded maximum size of 2KB."}

    three = [("files", (name, b"x")) for name in ("a", "b", "c")]
    photos = [("photos", file) for _, file in three]
    assert client.post("/bio", data={"text": "hi"}, files=photos).json() == {"photos": 3}
    response = client.post("/photos", files=three)
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many files. Maximum number of files is 2."}

    response = client.post("/photos", files={"files": ("big.jpg", b"x" * 20_000)})
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}
