log = []
router = Router(on_startup=[lambda: log.append("connect")])


async def disconnect() -> None:
    log.append("disconnect")


router.add_event_handler("shutdown", disconnect)


with TestClient(router, "flask"):
    assert log == ["connect"]
assert log == ["connect", "disconnect"]
