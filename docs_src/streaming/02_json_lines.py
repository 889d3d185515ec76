jobs = Router()


class Progress(BaseModel):
    step: int
    of: int


@jobs.get("/jobs/{job_id}/progress")
async def job_progress(job_id: int, steps: int = 3) -> AsyncIterable[Progress]:
    for step in range(1, steps + 1):
        await asyncio.sleep(0)  # e.g. wait for the job's next step
        yield Progress(step=step, of=steps)


@jobs.get("/mixed")
def mixed():
    yield 1
    yield {"two": 2.0}
    yield "three"


for target in HOSTS:
    client = TestClient(jobs, target)
    lines = client.get("/jobs/7/progress")
    assert lines.headers["content-type"] == "application/jsonl"
    assert "content-length" not in lines.headers
    assert lines.text == '{"step":1,"of":3}\n{"step":2,"of":3}\n{"step":3,"of":3}\n'
    assert client.get("/mixed").text == '1\n{"two": 2.0}\n"three"\n'
    assert client.get("/jobs/x/progress").status_code == 422  # before any line
