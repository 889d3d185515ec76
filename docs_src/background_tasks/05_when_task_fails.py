router = Router()  # a new router: a mounted one takes no more routes
import logging


def flaky() -> None:
    raise RuntimeError("mail server down")


@router.post("/notify")
def notify(tasks: BackgroundTasks):
    tasks.add_task(flaky)
    tasks.add_task(sent.append, "still ran")
    return {"ok": True}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


collect = Collect()
logging.getLogger("dualweb").addHandler(collect)
try:
    for target in ("flask", "fastapi", "starlette"):
        sent.clear()
        assert TestClient(router, target).post("/notify").json() == {"ok": True}
        assert sent == ["still ran"]
finally:
    logging.getLogger("dualweb").removeHandler(collect)
assert len(collect.messages) == 3
assert all("background task" in message for message in collect.messages)
