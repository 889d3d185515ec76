def test_the_reply_streams_token_by_token(client):
    with client.stream("POST", "/ask", json={"prompt": "one two"}) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert [next(lines) for _ in range(4)] == [
            "event: token",
            'data: {"text":"one"}',
            "id: 0",
            "",
        ]
        rest = list(lines)
    assert rest[-4:] == ["event: done", "data: [DONE]", "retry: 5000", ""]


for target in HOSTS:  # the plugin's dualweb_client fixture runs it on every host for you
    test_the_reply_streams_token_by_token(TestClient(chat, target))
