echo = Router()


@echo.websocket("/echo/{channel}")
async def echo_socket(websocket: WebSocket, channel: str, shout: bool = False):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_json({"channel": channel, "echo": text.upper() if shout else text})
    except WebSocketDisconnect as left:
        print(f"{channel}: the client left with code {left.code}")


for target in HOSTS:
    client = TestClient(echo, target)
    with client.websocket_connect("/echo/news?shout=true") as socket:
        socket.send_text("hello")
        assert socket.receive_json() == {"channel": "news", "echo": "HELLO"}
        socket.send_text("again")
        assert socket.receive_json() == {"channel": "news", "echo": "AGAIN"}
    assert client.get("/echo/news").status_code == 404  # a socket route takes no HTTP request
