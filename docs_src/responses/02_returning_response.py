from dualweb import Router

router = Router()


@router.get("/hello", response_class=HTMLResponse)
def hello():
    return HTMLResponse("<h1>Hello</h1>", headers={"Cache-Control": "no-store"})


@router.get("/legacy")
def legacy():
    return Response("<a>1</a>", media_type="application/xml")


@router.get("/health")
async def health():
    return PlainTextResponse("busy", status_code=503, headers={"Retry-After": "30"})


@router.post("/items", status_code=201)
def create_item():
    return JSONResponse(
        {"id": 1, "name": "café"}, status_code=201, headers={"Location": "/items/1"}
    )


for target in HOSTS:
    client = TestClient(router, target)
    page = client.get("/hello")
    assert page.text == "<h1>Hello</h1>"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/legacy").headers["content-type"] == "application/xml"
    busy = client.get("/health")
    assert (busy.status_code, busy.text, busy.headers["retry-after"]) == (503, "busy", "30")
    created = client.post("/items")
    assert created.content == '{"id":1,"name":"café"}'.encode()
    assert created.headers["location"] == "/items/1"
