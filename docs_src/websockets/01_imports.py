from typing import Annotated

from dualweb import (
    Cookie,
    Depends,
    HTTPException,
    Query,
    Router,
    SyncWebSocket,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    status,
)
from dualweb.responses import JSONResponse
from dualweb.security import HTTPAuthorizationCredentials, HTTPBearer
from dualweb.testing import HOSTS, TestClient, WebSocketDenialResponse
from dualweb.websockets import WebSocketState
