from typing import Annotated

from dualweb import Depends, Header, Request, Router

router = Router()


@router.get("/items/{item_id}")
async def inspect(item_id: int, request: Request):
    return {
        "method": request.method,  # "GET"
        "url": str(request.url),  # "http://testserver/items/3?tag=a&tag=b"
        "path": request.url.path,  # "/items/3"
        "query": request.url.query,  # "tag=a&tag=b", as sent
        "base_url": str(request.base_url),  # "http://testserver/"
        "tags": request.query_params.getlist("tag"),  # ["a", "b"]
        "tag": request.query_params.get("tag"),  # "b": the last value wins
        "path_params": request.path_params,  # {"item_id": "3"}: not converted
        "agent": request.headers.get("X-Agent"),  # header names are case-insensitive
        "theme": request.cookies.get("theme"),
        "client_is_known": request.client is not None,  # request.client.host / .port
    }
