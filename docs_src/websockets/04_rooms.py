rooms = Router()
log = []


def subscription(room: str):
    log.append(f"subscribe {room}")
    try:
        yield f"feed:{room}"
    finally:
        log.append(f"unsubscribe {room}")


@rooms.websocket("/rooms/{room}")
async def room_socket(
    websocket: WebSocket,
    feed: Annotated[str, Depends(subscription)],
    user: Annotated[str, Query(min_length=1, max_length=20)],
    theme: Annotated[str, Cookie()] = "light",
):
    await websocket.accept()
    await websocket.send_json({"feed": feed, "user": user, "theme": theme})
    async for text in websocket.iter_text():
        log.append(f"{user}: {text}")
    log.append("handler done")


for target in HOSTS:
    log.clear()
    client = TestClient(rooms, target)
    with client.websocket_connect("/rooms/tea?user=ann", cookies={"theme": "dark"}) as socket:
        assert socket.receive_json() == {"feed": "feed:tea", "user": "ann", "theme": "dark"}
        socket.send_text("hi")
    assert log == ["subscribe tea", "ann: hi", "handler done", "unsubscribe tea"]

    try:
        with client.websocket_connect("/rooms/tea?user="):
            raise AssertionError("an empty user is refused before the socket opens")
    except WebSocketDisconnect as refused:
        assert refused.code == status.WS_1008_POLICY_VIOLATION
        assert [error["loc"] for error in refused.reason] == [["query", "user"]]
