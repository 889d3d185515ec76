counter = Router()


@counter.websocket("/lines")
async def lines(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(f"{len(text)} characters")
    # the client has left: clean up here, nothing can be sent any more


for target in HOSTS:
    with TestClient(counter, target).websocket_connect("/lines") as socket:
        socket.send_text("four")
        assert socket.receive_text() == "4 characters"
