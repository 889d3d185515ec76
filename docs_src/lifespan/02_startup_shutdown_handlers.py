log = []
router = Router(on_startup=[lambda: log.append("connect")])


async def disconnect() -> None:
    log.append("disconnect")


router.add_event_handler("shutdown", disconnect)


for target in ("flask", "fastapi", "starlette"):
    log.clear()
    with TestClient(router, target):
        assert log == ["connect"]
    assert log == ["connect", "disconnect"]
