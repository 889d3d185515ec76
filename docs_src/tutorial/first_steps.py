from dualweb import Router

router = Router()


@router.get("/")
def hello() -> dict[str, str]:
    return {"message": "Hello from dualweb"}
