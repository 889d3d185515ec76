router = Router()  # a new router: a mounted one takes no more routes


def session():
    sent.append("open session")
    yield "session"
    sent.append("close session")


@router.post("/orders")
def create_order(tasks: BackgroundTasks, db: str = Depends(session)):
    tasks.add_task(sent.append, f"notify using {db}")
    return {"created": True}


for target in ("flask", "fastapi", "starlette"):
    sent.clear()
    TestClient(router, target).post("/orders")
    assert sent == ["open session", "notify using session", "close session"]
