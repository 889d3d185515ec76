"""Native FastAPI 0.165 websocket oracle app (experiment 1)."""
import json, sys, time
from typing import Annotated
from fastapi import (FastAPI, APIRouter, WebSocket, WebSocketDisconnect, WebSocketException,
                     Depends, Query, Header, Cookie, HTTPException, status)
from fastapi.security import HTTPBearer, HTTPAuthorizationCredentials
from starlette.websockets import WebSocketState

LOG = []
def log(*a):
    LOG.append(" ".join(map(str, a)))
    print("LOG", *a, flush=True)

router = APIRouter()

@router.websocket("/echo")
async def echo(websocket: WebSocket):
    log("echo states before accept", websocket.client_state.name, websocket.application_state.name)
    await websocket.accept()
    log("echo states after accept", websocket.client_state.name, websocket.application_state.name)
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"echo:{text}")
    except WebSocketDisconnect as e:
        log("echo disconnect", e.code, repr(e.reason), websocket.client_state.name, websocket.application_state.name)

@router.websocket("/items/{item_id}")
async def items(websocket: WebSocket, item_id: int, q: int, x_token: Annotated[str, Header()],
                session: Annotated[str | None, Cookie()] = None):
    await websocket.accept()
    await websocket.send_json({"item_id": item_id, "q": q, "x_token": x_token, "session": session,
                               "url": str(websocket.url), "qp": dict(websocket.query_params)})
    await websocket.close()

def db():
    log("db open")
    try:
        yield "db"
    except BaseException as e:
        log("db saw", type(e).__name__)
        raise
    finally:
        log("db close")

@router.websocket("/dep")
async def dep(websocket: WebSocket, d: Annotated[str, Depends(db)]):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(d + ":" + await websocket.receive_text())
    except WebSocketDisconnect as e:
        log("dep handler disconnect", e.code)
        raise

@router.websocket("/dep-raise")
async def dep_raise(websocket: WebSocket, d: Annotated[str, Depends(db)]):
    await websocket.accept()
    await websocket.receive_text()  # disconnect raises WebSocketDisconnect out of handler

@router.websocket("/raise-before")
async def raise_before(websocket: WebSocket):
    raise RuntimeError("boom before accept")

@router.websocket("/raise-after")
async def raise_after(websocket: WebSocket):
    await websocket.accept()
    raise RuntimeError("boom after accept")

@router.websocket("/wsexc-before")
async def wsexc_before(websocket: WebSocket):
    raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="nope")

@router.websocket("/wsexc-after")
async def wsexc_after(websocket: WebSocket):
    await websocket.accept()
    raise WebSocketException(code=4001, reason="bye")

@router.websocket("/http-before")
async def http_before(websocket: WebSocket):
    raise HTTPException(status_code=403, detail="forbidden")

@router.websocket("/http-after")
async def http_after(websocket: WebSocket):
    await websocket.accept()
    raise HTTPException(status_code=403, detail="forbidden")

bearer = HTTPBearer()
@router.websocket("/bearer")
async def with_bearer(websocket: WebSocket, cred: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    await websocket.accept()
    await websocket.send_text(cred.credentials)
    await websocket.close()

@router.websocket("/sync")
def sync_handler(websocket: WebSocket):
    log("sync handler called")

@router.websocket("/close-before")
async def close_before(websocket: WebSocket):
    await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="go away")

@router.websocket("/return-noaccept")
async def return_noaccept(websocket: WebSocket):
    return None

@router.websocket("/return-noclose")
async def return_noclose(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hi")

@router.websocket("/json")
async def json_(websocket: WebSocket):
    await websocket.accept(subprotocol="chat", headers=[(b"x-extra", b"1")])
    async for data in websocket.iter_json():
        await websocket.send_json({"got": data})

@router.websocket("/send-after-gone")
async def send_after_gone(websocket: WebSocket):
    await websocket.accept()
    await websocket.receive_text()
    import asyncio
    await asyncio.sleep(0.3)
    try:
        for i in range(50):
            await websocket.send_text("x" * 1000)
            await asyncio.sleep(0.01)
        log("send-after-gone: no error")
    except BaseException as e:
        log("send-after-gone raised", type(e).__name__, getattr(e, "code", None))
        raise

@router.websocket("/receive-bytes-on-text")
async def rbt(websocket: WebSocket):
    await websocket.accept()
    try:
        await websocket.receive_bytes()
    except BaseException as e:
        log("rbt raised", type(e).__name__, e)
        raise

@router.get("/log")
def get_log():
    return LOG

app = FastAPI()
app.include_router(router)
