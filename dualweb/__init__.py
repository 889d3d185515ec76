"""dualweb: write HTTP handlers once, with FastAPI's vocabulary; serve them on Flask,
FastAPI or Starlette with the same behaviour."""

from __future__ import annotations

from . import status
from .background import BackgroundTasks
from .datastructures import UploadFile
from .exceptions import HTTPException, WebSocketException
from .params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from .requests import Request
from .responses import Response
from .routing import Router
from .websockets import SyncWebSocket, WebSocket, WebSocketDisconnect

__version__ = "0.1.0"

__all__ = [
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "Response",
    "Router",
    "Security",
    "SyncWebSocket",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "status",
]
