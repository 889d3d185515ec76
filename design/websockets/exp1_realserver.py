"""Experiment 1b: native FastAPI 0.165 under real uvicorn / granian (asgi), seen by the websockets client."""
import sys, time, json, urllib.request
sys.path.insert(0, "/tmp/ws-study")
from wsprobe import free_port, start, probe
server = sys.argv[1] if len(sys.argv) > 1 else "uvicorn"
port = free_port()
py = "/work/main/.venv/bin/python"
cmd = {"uvicorn": [py, "-m", "uvicorn", "fa_app:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
       "granian": [py, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "fa_app:app"]}[server]
p = start(cmd, port)
try:
    u = f"ws://127.0.0.1:{port}"
    cases = [("/echo", dict(sends=["a"], recv=1)),
             ("/items/abc?q=x", {}), ("/items/3?q=5", dict(headers={"x-token": "t", "cookie": "session=s"})),
             ("/raise-before", {}), ("/raise-after", {}), ("/wsexc-before", {}), ("/wsexc-after", {}),
             ("/http-before", {}), ("/http-after", {}), ("/bearer", {}), ("/sync", {}),
             ("/close-before", {}), ("/return-noaccept", {}), ("/return-noclose", dict(recv=2)),
             ("/json", dict(sends=['{"a":1}'], subprotocols=["x", "chat"])), ("/receive-bytes-on-text", dict(sends=["t"])),
             ("/nope", {}), ("/dep", dict(sends=["1"], recv=1))]
    for path, kw in cases:
        print(f"{server} {path}: {probe(u + path, **kw)}")
    time.sleep(0.5)
    print("server log:", json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/log").read()))
finally:
    p.terminate(); p.wait(10)
print(open(f"/tmp/ws-study/server-{port}.log").read()[-3000:])
