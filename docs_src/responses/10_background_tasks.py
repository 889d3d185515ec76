from dualweb import BackgroundTasks
from dualweb.background import BackgroundTask

done: list[str] = []
jobs = Router()


def log_done(what: str) -> None:
    done.append(what)


@jobs.get("/stream")
def stream():
    return StreamingResponse(iter(["a", "b"]), background=BackgroundTask(log_done, "streamed"))


@jobs.get("/file")
def file(tasks: BackgroundTasks):
    tasks.add_task(log_done, "file sent")
    return FileResponse(folder / "report.csv")


for target in HOSTS:
    done.clear()
    client = TestClient(jobs, target)
    assert client.get("/stream").text == "ab"
    assert client.get("/file").status_code == 200
    assert done == ["streamed", "file sent"]
