exports = Router()


class CSVStream(StreamingResponse):
    media_type = "text/csv"


@exports.get("/export.csv", response_class=CSVStream)
def export() -> Iterable[str]:
    yield "id,name\n"
    for number in range(1, 3):
        yield f"{number},item {number}\n"


for target in HOSTS:
    csv = TestClient(exports, target).get("/export.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text == "id,name\n1,item 1\n2,item 2\n"
