import asyncio

feeds = Router()


def csv_rows():
    yield "id,name\n"
    for number in range(1, 4):
        yield f"{number},item {number}\n"


async def ticks():
    for tick in range(3):
        await asyncio.sleep(0)  # e.g. wait for the next event
        yield f"data: tick {tick}\n\n".encode()


@feeds.get("/export.csv")
def export_csv():
    return StreamingResponse(
        csv_rows(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},
    )


@feeds.get("/events")
async def events():
    return StreamingResponse(ticks(), media_type="text/event-stream")


for target in HOSTS:
    client = TestClient(feeds, target)
    export = client.get("/export.csv")
    assert export.text == "id,name\n1,item 1\n2,item 2\n3,item 3\n"
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert "content-length" not in export.headers
    with client.stream("GET", "/events") as stream:
        received = list(stream.iter_text())
    assert "".join(received) == "data: tick 0\n\ndata: tick 1\n\ndata: tick 2\n\n"
