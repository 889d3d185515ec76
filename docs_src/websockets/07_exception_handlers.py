games = Router()


class GameOver(Exception):
    def __init__(self, score: int) -> None:
        self.score = score


@games.exception_handler(GameOver)
async def game_over(connection, exc: GameOver):
    if isinstance(connection, WebSocket) and (
        connection.application_state is WebSocketState.CONNECTED
    ):
        await connection.close(code=4001, reason=f"game over: {exc.score}")
        return None
    # A request, or a socket not accepted yet: the response (for the socket, a denial).
    return JSONResponse({"game": "over", "score": exc.score}, status_code=409)


@games.websocket("/play")
async def play(websocket: WebSocket, lives: int = 1):
    if lives < 1:
        raise GameOver(score=0)
    await websocket.accept()
    score = 0
    async for move in websocket.iter_text():
        score += len(move)
        if move == "fall":
            raise GameOver(score)


for target in HOSTS:
    client = TestClient(games, target)
    with client.websocket_connect("/play") as socket:
        socket.send_text("jump")
        socket.send_text("fall")
        assert socket.receive() == {
            "type": "websocket.close",
            "code": 4001,
            "reason": "game over: 8",
        }
    try:
        with client.websocket_connect("/play?lives=0"):
            raise AssertionError("denied")
    except WebSocketDenialResponse as denied:
        assert (denied.status_code, denied.json()) == (409, {"game": "over", "score": 0})
