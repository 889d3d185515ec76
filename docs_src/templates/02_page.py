from dualweb import Request, Router
from dualweb.responses import HTMLResponse
from dualweb.templating import Jinja2Templates

templates = Jinja2Templates(directory=templates_dir)
router = Router()


@router.get("/items/{item_id}", response_class=HTMLResponse, name="read_item")
def read_item(request: Request, item_id: int, name: str = "Lamp"):
    item = {"id": item_id, "name": name}
    return templates.TemplateResponse(request, "item.html", {"item": item})


for target in HOSTS:
    client = TestClient(router, target)
    page = client.get("/items/1", params={"name": "<script>alert(1)</script>"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page.text
    assert '<a href="http://testserver/items/2">next</a>' in page.text
