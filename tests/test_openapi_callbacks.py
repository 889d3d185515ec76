"""OpenAPI callbacks and webhooks: documented as native FastAPI documents them, never served.

A build here returns its router and the routers its webhooks are declared on. On
dualweb those are ``router.webhooks`` and the ``webhooks`` of the routers it
includes; FastAPI has webhooks on its app alone (``app.webhooks``), so the native
side includes them there. The document each host serves (and ``openapi_for``) is
compared with the native app's.
"""

import json
from collections.abc import Callable
from typing import Any

import fastapi
import flask
import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, HttpUrl
from starlette.testclient import TestClient as StarletteClient

import dualweb
import dualweb.fastapi
import dualweb.flask
from dualweb.exceptions import DualwebError
from dualweb.openapi import openapi_for
from dualweb.testing import HOSTS, TestClient, client_for_app
from tests._helpers import sec
from tests.conftest import DUALWEB, _fastapi_namespace

FASTAPI = _fastapi_namespace()

Build = Callable[[Any], tuple[Any, list[Any]]]


def hooks(api: Any, router: Any) -> Any:
    """Where ``router``'s webhooks are declared: ``router.webhooks`` on dualweb, on
    FastAPI a router that the app's ``webhooks`` will include."""
    return api.Router() if api.native else router.webhooks


def native_app(build: Build, *, prefix: str = "") -> fastapi.FastAPI:
    app = fastapi.FastAPI()
    router, webhooks = build(FASTAPI)
    app.include_router(router, prefix=prefix)
    for webhook_router in webhooks:
        app.webhooks.include_router(webhook_router)
    return app


def documents(build: Build, *, prefix: str = "") -> dict[str, dict[str, Any]]:
    """The document each host serves for the dualweb build (and ``openapi_for``'s)."""
    found = {}
    for host in HOSTS:
        client = TestClient(build(DUALWEB)[0], host, prefix=prefix)
        # FastAPI's app serves its one document; the other hosts one per mount prefix.
        url = "/openapi.json" if host == "fastapi" else prefix + "/openapi.json"
        response = client.get(url)
        assert response.status_code == 200, (host, response.text)
        found[host] = response.json()
    if not prefix:
        found["openapi_for"] = json.loads(json.dumps(openapi_for(build(DUALWEB)[0])))
    return found


def assert_as_fastapi(build: Build, *, prefix: str = "") -> dict[str, Any]:
    want: dict[str, Any] = native_app(build, prefix=prefix).openapi()
    validate(want)
    for where, document in documents(build, prefix=prefix).items():
        validate(document)
        assert document == want, where
    return want


# --- callbacks ------------------------------------------------------------------------------


class Invoice(BaseModel):
    id: str
    title: str | None = None
    customer: str
    total: float


class InvoiceEvent(BaseModel):
    description: str
    paid: bool


class InvoiceEventReceived(BaseModel):
    ok: bool


def build_invoices(api: Any) -> tuple[Any, list[Any]]:
    # FastAPI's documentation example, with a second callback that has a path parameter
    # and takes the main operation's body model.
    invoices_callback_router = api.Router()

    @invoices_callback_router.post(
        "{$callback_url}/invoices/{$request.body.id}", response_model=InvoiceEventReceived
    )
    def invoice_notification(body: InvoiceEvent):
        pass

    @invoices_callback_router.put("{$callback_url}/copies/{invoice_id}", status_code=202)
    def invoice_copy(invoice_id: str, invoice: Invoice, x_signature: str = api.Header()):
        pass

    router = api.Router()

    @router.post("/invoices/", callbacks=invoices_callback_router.routes)
    def create_invoice(invoice: Invoice, callback_url: HttpUrl | None = None):
        return {"msg": "Invoice received"}

    return router, []


def test_invoices_callback_as_fastapi() -> None:
    document = assert_as_fastapi(build_invoices)
    callbacks = document["paths"]["/invoices/"]["post"]["callbacks"]
    assert list(callbacks) == ["invoice_notification", "invoice_copy"]
    copy = callbacks["invoice_copy"]["{$callback_url}/copies/{invoice_id}"]["put"]
    assert [p["name"] for p in copy["parameters"]] == ["invoice_id", "x-signature"]
    assert copy["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Invoice"
    }
    assert {"Invoice", "InvoiceEvent", "InvoiceEventReceived"} <= set(
        document["components"]["schemas"]
    )


class Job(BaseModel):
    name: str


class Ack(BaseModel):
    received: bool


def _callback(api: Any, path: str, name: str, **operation: Any) -> list[Any]:
    callback_router = api.Router()

    @callback_router.post(path, name=name, **operation)
    def notify(job: Job) -> Ack:
        return Ack(received=True)

    return list(callback_router.routes)


def build_nested(api: Any) -> tuple[Any, list[Any]]:
    # Callbacks from the operation, its router, each include and each including router,
    # merged as FastAPI merges them (outermost first); one kept out of the schema.
    inner = api.Router(callbacks=_callback(api, "{$request.query.url}/inner", "inner_router"))

    @inner.post(
        "/jobs",
        callbacks=_callback(api, "{$request.body#/url}/done", "job_done")
        + _callback(api, "{$url}/hidden", "hidden", include_in_schema=False),
    )
    def create_job(job: Job, url: str):
        return {}

    middle = api.Router()
    middle.include_router(
        inner, prefix="/inner", callbacks=_callback(api, "{$url}/included", "inner_include")
    )
    outer = api.Router(prefix="/v1", callbacks=_callback(api, "{$url}/outer", "outer_router"))
    outer.include_router(
        middle, prefix="/middle", callbacks=_callback(api, "{$url}/middle", "middle_include")
    )
    return outer, []


def test_callbacks_through_nested_includes_as_fastapi() -> None:
    document = assert_as_fastapi(build_nested)
    callbacks = document["paths"]["/v1/middle/inner/jobs"]["post"]["callbacks"]
    assert list(callbacks) == [
        "outer_router",
        "middle_include",
        "inner_include",
        "inner_router",
        "job_done",
        "hidden",
    ]
    assert callbacks["hidden"] == {"{$url}/hidden": {}}


def test_callbacks_under_a_mount_prefix_as_fastapi() -> None:
    # The prefix reaches the operations, not their callbacks' paths.
    document = assert_as_fastapi(build_nested, prefix="/api")
    assert (
        "{$url}/outer"
        in document["paths"]["/api/v1/middle/inner/jobs"]["post"]["callbacks"]["outer_router"]
    )


def test_every_declaring_method_takes_callbacks() -> None:
    callbacks = _callback(DUALWEB, "{$url}/hook", "hook")
    router = dualweb.Router()
    for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
        getattr(router, method)(f"/{method}", callbacks=callbacks)(lambda: None)
    router.api_route("/any", methods=["GET"], callbacks=callbacks)(lambda: None)
    router.add_api_route("/added", lambda: None, callbacks=callbacks)
    assert all(route.callbacks == callbacks for route in router.routes)
    with pytest.raises(DualwebError, match="callbacks must be routes"):
        router.get("/wrong", callbacks=[object()])(lambda: None)


def test_a_callback_on_several_operations_warns_as_fastapi() -> None:
    # The callbacks' operation ids are the document's: one callback documented on two
    # operations repeats its id, and FastAPI warns about it; so does dualweb.
    def build(api: Any) -> tuple[Any, list[Any]]:
        router = api.Router(callbacks=_callback(api, "{$url}/hook", "hook"))
        router.get("/a")(lambda q=0: None)
        router.get("/b")(lambda q=0: None)
        return router, []

    with pytest.warns(UserWarning, match="Duplicate Operation ID hook__url__hook_post"):
        want = native_app(build).openapi()
    with pytest.warns(UserWarning, match="Duplicate Operation ID hook__url__hook_post"):
        got = openapi_for(build(DUALWEB)[0])
    assert json.loads(json.dumps(got)) == want


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()


def test_components_only_callbacks_use_are_kept() -> None:
    # Deliberately unlike FastAPI, which leaves out the security schemes and schemas that
    # only callbacks use (its callback's 422 and security refer to nothing).
    def build(api: Any) -> tuple[Any, list[Any]]:
        callback_router = api.Router()

        @callback_router.post("{$url}/events", dependencies=[api.Depends(sec(api).HTTPBearer())])
        def event(body: InvoiceEvent):
            pass

        router = api.Router()

        @router.get("/subscribe", callbacks=callback_router.routes)
        def subscribe():
            return {}

        return router, []

    want = native_app(build).openapi()
    assert "HTTPValidationError" not in want["components"]["schemas"]
    assert "securitySchemes" not in want["components"]
    for where, document in documents(build).items():
        validate(document)
        components = document["components"]
        assert components.pop("securitySchemes") == {
            "HTTPBearer": {"type": "http", "scheme": "bearer"}
        }
        assert {"HTTPValidationError", "ValidationError"} <= set(components["schemas"])
        components["schemas"].pop("HTTPValidationError")
        components["schemas"].pop("ValidationError")
        assert document == want, where
    document = openapi_for(build(DUALWEB)[0])
    schemas = document["components"]["schemas"]
    assert {ref.rsplit("/", 1)[1] for ref in _references(document)} <= set(schemas)


# --- webhooks -------------------------------------------------------------------------------


class Subscription(BaseModel):
    username: str
    monthly_fee: float


class Receipt(BaseModel):
    subscription: Subscription
    accepted: bool


def build_subscriptions(api: Any) -> tuple[Any, list[Any]]:
    # FastAPI's documentation example, with a response model.
    router = api.Router()
    webhooks = hooks(api, router)

    @webhooks.post("new-subscription")
    def new_subscription(body: Subscription) -> Receipt:
        """
        When a new user subscribes to your service we'll send you a POST request with this
        data to the URL that you register for the event `new-subscription` in the dashboard.
        """
        return Receipt(subscription=body, accepted=True)

    @router.get("/subscriptions")
    def list_subscriptions() -> list[Subscription]:
        return []

    return router, [webhooks]


def test_new_subscription_webhook_as_fastapi() -> None:
    document = assert_as_fastapi(build_subscriptions)
    operation = document["webhooks"]["new-subscription"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Receipt"
    }
    assert {"Receipt", "Subscription"} <= set(document["components"]["schemas"])


def test_webhooks_ignore_the_mount_prefix_as_fastapi() -> None:
    document = assert_as_fastapi(build_subscriptions, prefix="/api")
    assert list(document["webhooks"]) == ["new-subscription"]


def build_included_webhooks(api: Any) -> tuple[Any, list[Any]]:
    # Each router's webhooks as declared on it: neither the includes' prefixes and tags
    # nor the including routers' settings reach them (FastAPI's app.webhooks is a router
    # of its own).
    grandchild = api.Router()
    grandchild_hooks = hooks(api, grandchild)

    @grandchild_hooks.put("plan-changed", tags=["plans"])
    def plan_changed(subscription: Subscription, plan: str):
        pass

    child = api.Router(tags=["child"])
    child_hooks = hooks(api, child)

    @child_hooks.post("subscription-cancelled", status_code=204)
    def subscription_cancelled(body: Subscription, reason: str | None = None) -> None:
        pass

    @child.get("/plans")
    def plans() -> list[str]:
        return []

    child.include_router(grandchild)
    parent = api.Router(prefix="/v1", tags=["v1"])
    parent_hooks = hooks(api, parent)

    @parent_hooks.post("new-subscription")
    def new_subscription(body: Subscription) -> Receipt:
        return Receipt(subscription=body, accepted=True)

    parent.include_router(child, prefix="/child", tags=["included"])
    # Included twice: its webhooks are documented once.
    parent.include_router(grandchild, prefix="/again")
    return parent, [parent_hooks, child_hooks, grandchild_hooks]


def test_webhooks_of_included_routers_as_fastapi() -> None:
    document = assert_as_fastapi(build_included_webhooks)
    assert list(document["webhooks"]) == [
        "new-subscription",
        "subscription-cancelled",
        "plan-changed",
    ]
    assert document["webhooks"]["plan-changed"]["put"]["tags"] == ["plans"]
    assert "tags" not in document["webhooks"]["subscription-cancelled"]["post"]


def test_fastapi_host_documents_webhooks_beside_the_apps_own() -> None:
    def app_with_native_webhook() -> fastapi.FastAPI:
        app = fastapi.FastAPI()

        @app.webhooks.post("native-event")
        def native_event(body: Subscription):
            pass

        return app

    app = app_with_native_webhook()
    dualweb.fastapi.mount(app, build_included_webhooks(DUALWEB)[0])
    want = app_with_native_webhook()
    router, webhooks = build_included_webhooks(FASTAPI)
    want.include_router(router)
    for webhook_router in webhooks:
        want.webhooks.include_router(webhook_router)
    document = StarletteClient(app).get("/openapi.json").json()
    validate(document)
    assert document == want.openapi()
    assert set(document["webhooks"]) == {
        "native-event",
        "new-subscription",
        "subscription-cancelled",
        "plan-changed",
    }
    # A webhook the app documents otherwise is an error, not a silent overwrite.
    clash = dualweb.Router()

    @clash.webhooks.post("native-event")
    def native_event(body: Receipt):
        pass

    dualweb.fastapi.mount(app, clash, prefix="/clash")
    with pytest.raises(DualwebError, match="POST native-event is documented twice"):
        app.openapi()


def test_webhooks_are_part_of_the_routers_state() -> None:
    router = dualweb.Router()
    child = dualweb.Router()
    router.include_router(child)
    first = openapi_for(router)
    assert "webhooks" not in first

    @child.webhooks.post("created")
    def created(body: Subscription):
        pass

    second = openapi_for(router)
    assert second is not first and list(second["webhooks"]) == ["created"]
    assert openapi_for(router) is second
    assert router.routes == [] and [r.name for r in router.webhook_routes] == ["created"]


def test_no_webhook_after_mount() -> None:
    # The document describes the routers as mounted, their webhooks too.
    router, child, untouched = dualweb.Router(), dualweb.Router(), dualweb.Router()
    child.webhooks.post("early")(lambda: None)
    router.include_router(child)
    router.include_router(untouched)
    dualweb.flask.mount(flask.Flask(__name__), router)
    for declared_on in (router, child, untouched):
        with pytest.raises(DualwebError, match="already mounted"):
            declared_on.webhooks.post("late")(lambda: None)
    assert [route.path for route in router.webhook_routes] == ["early"]


# --- not served -----------------------------------------------------------------------------


def build_not_served(api: Any) -> tuple[Any, list[Any]]:
    callback_router = api.Router()

    @callback_router.post("/invoices/{invoice_id}/paid")
    def invoice_paid(invoice_id: str, body: InvoiceEvent):
        return {"ok": True}

    @callback_router.delete("/invoices/")
    def invoice_deleted():
        return {"ok": True}

    router = api.Router()

    @router.post("/invoices/", callbacks=callback_router.routes)
    def create_invoice(invoice: Invoice):
        return {"msg": "Invoice received"}

    @router.get("/events")
    def events():
        return []

    webhooks = hooks(api, router)

    @webhooks.post("new-subscription")
    def new_subscription(body: Subscription):
        return {"ok": True}

    @webhooks.put("/events")
    def event_changed(body: Subscription):
        return {"ok": True}

    return router, [webhooks]


NOT_SERVED = [
    ("POST", "/invoices/abc/paid", {"json": {"description": "paid", "paid": True}}),
    ("DELETE", "/invoices/", {}),
    ("POST", "/new-subscription", {"json": {"username": "a", "monthly_fee": 1}}),
    ("POST", "/new_subscription", {}),
    ("PUT", "/events", {"json": {"username": "a", "monthly_fee": 1}}),
]


def test_callbacks_and_webhooks_are_not_served(host: str) -> None:
    ours = TestClient(build_not_served(DUALWEB)[0], host)
    theirs = client_for_app(native_app(build_not_served))
    invoice = {"id": "1", "customer": "c", "total": 1}
    assert ours.post("/invoices/", json=invoice).json() == {"msg": "Invoice received"}
    assert ours.get("/events").json() == []
    for method, url, options in NOT_SERVED:
        got, want = ours.request(method, url, **options), theirs.request(method, url, **options)
        assert want.status_code in (404, 405)
        assert got.status_code == want.status_code, (method, url)
        if host == "fastapi":
            # Elsewhere a request no route takes is answered by the host's own page.
            assert got.json() == want.json(), (method, url)
