import jinja2

env = jinja2.Environment(
    loader=jinja2.DictLoader({"card.html": "<p>{{ name }}</p>"}), autoescape=True
)
cards = Jinja2Templates(env=env)
router = Router()


@router.get("/card", response_class=HTMLResponse)
def card(request: Request, name: str):
    return cards.TemplateResponse(request, "card.html", {"name": name})


for target in HOSTS:
    assert TestClient(router, target).get("/card?name=<b>").text == "<p>&lt;b&gt;</p>"
