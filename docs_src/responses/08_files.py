import tempfile
from pathlib import Path

from dualweb import HTTPException

folder = Path(tempfile.mkdtemp())
(folder / "report.csv").write_text("id,total\n1,10\n")

downloads = Router()


@downloads.api_route("/reports/{name}", methods=["GET", "HEAD"])
def report(name: str):
    path = folder / name
    if not path.is_file():
        raise HTTPException(404, "No such report")
    return FileResponse(path, filename=f"résumé-{name}")


@downloads.get("/preview", response_class=FileResponse)
def preview():
    return str(folder / "report.csv")  # response_class=FileResponse takes a path


for target in HOSTS:
    client = TestClient(downloads, target)
    response = client.get("/reports/report.csv")
    assert response.text == "id,total\n1,10\n"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-length"] == "14"
    assert response.headers["content-disposition"] == (
        "attachment; filename*=utf-8''r%C3%A9sum%C3%A9-report.csv"
    )
    assert response.headers["etag"] and response.headers["last-modified"]
    head = client.head("/reports/report.csv")  # headers only
    assert (head.content, head.headers["content-length"]) == (b"", "14")
    assert client.get("/reports/nope.csv").status_code == 404
    assert client.get("/preview").text == "id,total\n1,10\n"
