import fastapi

import dualweb.fastapi

from catalog import router

app = fastapi.FastAPI(title="Catalog")


@app.get("/health")  # a FastAPI route of its own, beside the router's routes
def health() -> dict[str, str]:
    return {"status": "ok"}


dualweb.fastapi.mount(app, router)
