def test_head_of_a_get_route(dualweb_client, dualweb_host):
    expected = 200 if dualweb_host == "flask" else 405  # Flask answers HEAD (see host-flask.md)
    assert dualweb_client.head("/items/3").status_code == expected
