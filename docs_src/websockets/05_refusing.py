secure = Router()
bearer = HTTPBearer()
TOKENS = {"t-ann": "ann"}


def member(token: Annotated[str | None, Query()] = None) -> str:
    if token not in TOKENS:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="unknown token")
    return TOKENS[token]


@secure.websocket("/inbox")
async def inbox(websocket: WebSocket, user: Annotated[str, Depends(member)]):
    await websocket.accept()
    await websocket.send_text(f"hello {user}")
    if await websocket.receive_text() == "quit":
        await websocket.close(code=4000, reason="see you")


@secure.websocket("/admin")
async def admin(
    websocket: WebSocket, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]
):
    if credentials.credentials != "root-token":
        raise HTTPException(status_code=403, detail="admins only")
    await websocket.accept()
    await websocket.send_text("welcome")


for target in HOSTS:
    client = TestClient(secure, target)
    with client.websocket_connect("/inbox?token=t-ann") as socket:
        assert socket.receive_text() == "hello ann"
        socket.send_text("quit")
        assert socket.receive() == {"type": "websocket.close", "code": 4000, "reason": "see you"}
    try:
        with client.websocket_connect("/inbox?token=forged"):
            raise AssertionError("refused")
    except WebSocketDisconnect as refused:
        assert (refused.code, refused.reason) == (1008, "unknown token")

    try:
        with client.websocket_connect("/admin"):
            raise AssertionError("denied")
    except WebSocketDenialResponse as denied:
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"] == "Bearer"
        assert denied.json() == {"detail": "Not authenticated"}
    try:
        with client.websocket_connect("/admin", headers={"authorization": "Bearer guess"}):
            raise AssertionError("denied")
    except WebSocketDenialResponse as denied:
        assert (denied.status_code, denied.json()) == (403, {"detail": "admins only"})
    with client.websocket_connect("/admin", headers={"authorization": "Bearer root-token"}) as s:
        assert s.receive_text() == "welcome"
