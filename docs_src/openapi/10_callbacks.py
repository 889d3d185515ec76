from pydantic import HttpUrl


class Invoice(BaseModel):
    id: str
    customer: str
    total: float


class InvoiceEvent(BaseModel):
    description: str
    paid: bool


class InvoiceEventReceived(BaseModel):
    ok: bool


invoices_callback_router = Router()


@invoices_callback_router.post(
    "{$callback_url}/invoices/{$request.body.id}", response_model=InvoiceEventReceived
)
def invoice_notification(body: InvoiceEvent):
    pass


invoices = Router()


@invoices.post("/invoices/", callbacks=invoices_callback_router.routes)
def create_invoice(invoice: Invoice, callback_url: HttpUrl | None = None):
    """Take an invoice; once it is paid, POST an `InvoiceEvent` to `callback_url`."""
    return {"msg": "Invoice received"}


for target in ("flask", "fastapi", "starlette"):
    client = TestClient(invoices, target)
    operation = client.get("/openapi.json").json()["paths"]["/invoices/"]["post"]
    callback = operation["callbacks"]["invoice_notification"]
    sent = callback["{$callback_url}/invoices/{$request.body.id}"]["post"]
    assert sent["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvoiceEvent"
    }
    invoice = {"id": "7", "customer": "Ann", "total": 9.5}
    assert client.post("/invoices/", json=invoice).json() == {"msg": "Invoice received"}
