jobs = Router()


@jobs.websocket("/jobs")
def job_socket(websocket: SyncWebSocket):
    websocket.accept()
    for order in websocket.iter_json():
        steps = int(order["steps"])  # e.g. a blocking call per step
        for step in range(1, steps + 1):
            websocket.send_json({"job": order["job"], "step": step, "of": steps})
    assert websocket.client_state is WebSocketState.DISCONNECTED  # the client has left


for target in HOSTS:
    with TestClient(jobs, target).websocket_connect("/jobs") as socket:
        socket.send_json({"job": "resize", "steps": 2})
        assert socket.receive_json() == {"job": "resize", "step": 1, "of": 2}
        assert socket.receive_json() == {"job": "resize", "step": 2, "of": 2}
