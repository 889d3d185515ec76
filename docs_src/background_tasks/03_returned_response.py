router = Router()  # a new router: a mounted one takes no more routes
from dualweb.responses import JSONResponse


@router.post("/export")
def export():
    tasks = BackgroundTasks()
    tasks.add_task(send_email, "ops@example.com", subject="export done")
    return JSONResponse({"started": True}, status_code=201, background=tasks)


for target in ("flask", "fastapi", "starlette"):
    sent.clear()
    response = TestClient(router, target).post("/export")
    assert (response.status_code, response.json()) == (201, {"started": True})
    assert sent == ["mail to ops@example.com: export done"]
