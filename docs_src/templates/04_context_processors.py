(templates_dir / "hello.html").write_text("{{ greeting }}, {{ user }} ({{ app_name }})")


def app_name(request: Request) -> dict:
    return {"app_name": "Shop", "user": request.headers.get("x-user", "guest")}


greeter = Jinja2Templates(templates_dir, context_processors=[app_name])
router = Router()


@router.get("/hello", response_class=HTMLResponse)
async def hello(request: Request):
    return greeter.TemplateResponse(request, "hello.html", {"greeting": "Hello"})


for target in HOSTS:
    client = TestClient(router, target)
    assert client.get("/hello", headers={"x-user": "Ada"}).text == "Hello, Ada (Shop)"
