for target in ("flask", "fastapi", "starlette"):
    client = TestClient(router, target)
    assert client.post("/raw", files={"file": ("a.bin", b"\x00\x01\x02")}).json() == {"size": 3}

    response = client.post(
        "/upload",
        data={"note": "hello"},
        files={"file": ("report.txt", b"first line\nsecond line\n", "text/plain")},
    )
    assert response.json() == {
        "filename": "report.txt",
        "content_type": "text/plain",
        "size": 23,
        "head": "first",
        "length": 23,
        "note": "hello",
    }
    response = client.post("/sync-upload", files={"file": ("r.txt", b"first line\nmore")})
    assert response.json() == {"first_line": "first line"}

    assert client.post("/avatar").json() == {"uploaded": False}
    empty_input = {"image": ("", b"", "application/octet-stream")}
    assert client.post("/avatar", files=empty_input).json() == {"uploaded": False}

    files = [("files", ("a.txt", b"A")), ("files", ("b.txt", b"B")), ("sizes", ("c", b"CCC"))]
    assert client.post("/batch", files=files).json() == {"names": ["a.txt", "b.txt"], "extra": [3]}
