from dualweb import Depends, Header, HTTPException, Router
from dualweb.testing import TestClient


def verify_token(x_token: str = Header()):
    if x_token != "secret":
        raise HTTPException(status_code=403, detail="Bad token")


admin = Router(prefix="/admin", dependencies=[Depends(verify_token)])


@admin.get("/stats")
def stats():
    return {"users": 3}


app_router = Router()
app_router.include_router(admin)
for target in ("flask", "fastapi", "starlette"):
    client = TestClient(app_router, target)
    assert client.get("/admin/stats", headers={"x-token": "secret"}).json() == {"users": 3}
    assert client.get("/admin/stats", headers={"x-token": "nope"}).status_code == 403
    assert client.get("/admin/stats").status_code == 422  # the header is required
