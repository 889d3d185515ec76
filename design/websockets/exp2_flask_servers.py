"""Experiment 2: Flask websockets via simple-websocket under Werkzeug, gunicorn gthread, granian WSGI."""
import sys, time, json, threading, urllib.request
sys.path.insert(0, "/tmp/ws-study")
from wsprobe import free_port, start, probe, connect
server = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
port = free_port(); py = "/work/main/.venv/bin/python"
cmd = {"werkzeug": [py, "-c", f"from flask_ws_app import app; app.run('127.0.0.1', {port}, threaded=True)"],
       "gthread": [py, "-m", "gunicorn", "-k", "gthread", "--threads", str(2 * N + 4), "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "debug", "flask_ws_app:app"],
       "sync": [py, "-m", "gunicorn", "-k", "sync", "-w", "1", "-b", f"127.0.0.1:{port}", "flask_ws_app:app"],
       "granian": [py, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--blocking-threads", "8", "flask_ws_app:app"]}[server]
p = start(cmd, port)
u = f"ws://127.0.0.1:{port}"
info = lambda: json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/info").read())
try:
    i = info(); print(server, "environ:", i["server"], "werkzeug.socket", i["werkzeug_socket"], "gunicorn.socket", i["gunicorn_socket"], "threads", i["threads"])
    print(server, "/echo:", probe(u + "/echo", sends=["a"]))
    print(server, "/async-echo:", probe(u + "/async-echo", sends=["a"]))
    print(server, "/deny:", probe(u + "/deny"))
    for after in ("flasksock", "empty", "iter", "join", "dropped"):
        print(server, f"/mode?after={after}:", probe(u + f"/mode?after={after}", recv=2))
    # N concurrent sockets, half sync half async, 20 messages each, in order
    results = {}
    def client(k):
        path = "/echo" if k % 2 else "/async-echo"
        pre = "echo:" if k % 2 else "aecho:"
        try:
            with connect(u + path, open_timeout=5) as ws:
                got = []
                for j in range(20):
                    ws.send(f"{k}-{j}"); got.append(ws.recv(timeout=5))
                ok = got == [f"{pre}{k}-{j}" for j in range(20)]
                if k == 0: time.sleep(0.5); results["mid_threads"] = info()["threads"]
                else: time.sleep(0.8)
                results[k] = ok
        except Exception as e:
            results[k] = f"{type(e).__name__}: {e}"
    t0 = time.time()
    ts = [threading.Thread(target=client, args=(k,)) for k in range(N)]
    [t.start() for t in ts]; [t.join(30) for t in ts]
    oks = sum(1 for k in range(N) if results.get(k) is True)
    print(server, f"concurrent {N}: {oks}/{N} in order; threads while all open: {results.get('mid_threads')}; {time.time()-t0:.1f}s;",
          [results.get(k) for k in range(N) if results.get(k) is not True][:3])
    time.sleep(1.0)
    i = info(); closes = [l for l in i["log"] if "closed" in l]
    print(server, f"handler saw close: {len(closes)} (expected {N + 2}); sample {closes[:2]}; active max {i['active']}; threads after {i['threads']}")
finally:
    p.terminate(); p.wait(10)
log = open(f"/tmp/ws-study/server-{port}.log").read()
print("---- server log tail ----"); print("\n".join(l for l in log.splitlines()[-25:]))
