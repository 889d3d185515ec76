from myapp.routes import router


def test_under_a_prefix(dualweb_client_factory):
    client = dualweb_client_factory(router, prefix="/v1", raise_server_exceptions=False)
    assert client.get("/v1/items/3").status_code == 200
