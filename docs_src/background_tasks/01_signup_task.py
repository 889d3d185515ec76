import asyncio

from dualweb import BackgroundTasks, Depends, Router

router = Router()
sent: list[str] = []


def send_email(to: str, *, subject: str) -> None:
    sent.append(f"mail to {to}: {subject}")


async def write_audit(entry: str) -> None:
    await asyncio.sleep(0)
    sent.append(f"audit: {entry}")


def audited(tasks: BackgroundTasks) -> None:
    tasks.add_task(write_audit, "signup requested")


@router.post("/signup", status_code=202, dependencies=[Depends(audited)])
def signup(email: str, tasks: BackgroundTasks):
    tasks.add_task(send_email, email, subject="Welcome")
    return {"queued": True}
