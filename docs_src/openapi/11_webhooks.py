class Subscription(BaseModel):
    username: str
    monthly_fee: float


class Receipt(BaseModel):
    accepted: bool


billing = Router(prefix="/billing", tags=["billing"])


@billing.webhooks.post("new-subscription")
def new_subscription(body: Subscription) -> Receipt:
    """When a user subscribes, we POST this to the URL registered for `new-subscription`."""
    return Receipt(accepted=True)


@billing.get("/plans")
def list_plans() -> list[str]:
    return ["basic", "pro"]


shop = Router()
shop.include_router(billing, prefix="/v1")

for target in ("flask", "fastapi", "starlette"):
    client = TestClient(shop, target)
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) == {"/v1/billing/plans"}
    webhook = document["webhooks"]["new-subscription"]["post"]
    assert webhook["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Receipt"
    }
    assert "tags" not in webhook
    assert client.post("/new-subscription", json={}).status_code == 404  # not served
