reports = Router()
log = []


def db_session():
    log.append("open")
    try:
        yield "session"
    finally:
        log.append("close")


def mark(response: Response) -> None:
    response.headers["x-report"] = "weekly"


@reports.get("/rows", dependencies=[Depends(mark)])
def rows(db: Annotated[str, Depends(db_session)]) -> Iterable[str]:
    for number in range(3):
        log.append(f"row {number}")
        yield f"{db} row {number}"


for target in HOSTS:
    log.clear()
    client = TestClient(reports, target)
    with client.stream("GET", "/rows") as answer:
        assert answer.headers["x-report"] == "weekly"
        lines = answer.iter_lines()
        assert next(lines) == '"session row 0"'
        assert "close" not in log  # the session is still open while the stream runs
        assert list(lines) == ['"session row 1"', '"session row 2"']
    assert log == ["open", "row 0", "row 1", "row 2", "close"]
