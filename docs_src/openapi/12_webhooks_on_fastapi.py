app = fastapi.FastAPI()


@app.webhooks.post("refund-issued")
def refund_issued(body: Receipt):
    pass


dualweb.fastapi.mount(app, shop)
assert set(app.openapi()["webhooks"]) == {"refund-issued", "new-subscription"}
