"""Experiment 2b: simple-websocket closes the TCP socket before the client's close reply when the
server closes right away (RST: the client loses the close frame); a graceful close fixes it."""
import sys; sys.path.insert(0, "/tmp/ws-study")
from wsprobe import free_port, start, probe
server = sys.argv[1]; port = free_port(); py = "/work/main/.venv/bin/python"
cmd = {"werkzeug": [py, "-c", f"from flask_ws_app import app; app.run('127.0.0.1', {port}, threaded=True)"],
       "gthread": [py, "-m", "gunicorn", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}", "flask_ws_app:app"]}[server]
p = start(cmd, port)
try:
    for q in ("", "?graceful=1"):
        res = [probe(f"ws://127.0.0.1:{port}/quick{q}", recv=2, timeout=2)[-1] for _ in range(40)]
        clean = sum(1 for r in res if r == "closed code=4002 reason='done'")
        print(server, q or "plain simple-websocket", f"clean close frame seen {clean}/40", sorted(set(map(str, res)))[:3])
finally:
    p.terminate(); p.wait(10)
