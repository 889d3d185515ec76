import asyncio
from collections.abc import AsyncIterable, Iterable
from typing import Annotated

from pydantic import BaseModel

from dualweb import Depends, Response, Router
from dualweb.responses import StreamingResponse
from dualweb.sse import EventSourceResponse, ServerSentEvent
from dualweb.testing import HOSTS, TestClient
