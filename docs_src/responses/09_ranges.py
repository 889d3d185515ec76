for target in HOSTS:
    client = TestClient(downloads, target)
    part = client.get("/reports/report.csv", headers={"Range": "bytes=0-1"})
    assert (part.status_code, part.content) == (206, b"id")
    assert part.headers["content-range"] == "bytes 0-1/14"
    tail = client.get("/reports/report.csv", headers={"Range": "bytes=-3"})
    assert tail.content == b"10\n"
    etag = part.headers["etag"]
    same = client.get("/reports/report.csv", headers={"Range": "bytes=0-1", "If-Range": etag})
    assert same.status_code == 206
    changed = client.get("/reports/report.csv", headers={"Range": "bytes=0-1", "If-Range": '"x"'})
    assert changed.status_code == 200
    several = client.get("/reports/report.csv", headers={"Range": "bytes=0-1,9-10"})
    assert several.headers["content-type"].startswith("multipart/byteranges; boundary=")
    past_end = client.get("/reports/report.csv", headers={"Range": "bytes=100-"})
    assert (past_end.status_code, past_end.headers["content-range"]) == (416, "bytes */14")
    assert client.get("/reports/report.csv", headers={"Range": "lines=1"}).status_code == 400
