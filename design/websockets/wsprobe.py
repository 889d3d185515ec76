"""A real-socket probe with the `websockets` sync client: what a real client sees."""
import json, socket, subprocess, sys, time, os
sys.path.insert(0, "/tmp/ws-study/pkgs")
from websockets.sync.client import connect
from websockets.exceptions import InvalidStatus, ConnectionClosed

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_port(port, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return True
        except OSError: time.sleep(0.1)
    raise RuntimeError("server did not start")

def start(cmd, port, env=None):
    e = dict(os.environ, PYTHONPATH="/tmp/ws-study:/tmp/ws-study/pkgs", **(env or {}))
    p = subprocess.Popen(cmd, stdout=open(f"/tmp/ws-study/server-{port}.log", "w"), stderr=subprocess.STDOUT, env=e, cwd="/tmp/ws-study")
    wait_port(port); return p

def probe(url, sends=(), recv=1, headers=None, subprotocols=None, close=None, timeout=3):
    """Connect, send, receive up to `recv` messages; return a short description."""
    try:
        with connect(url, additional_headers=headers, subprotocols=subprotocols, open_timeout=timeout, close_timeout=timeout) as ws:
            out = [f"open(subprotocol={ws.subprotocol})"]
            for m in sends: ws.send(m)
            try:
                for _ in range(recv): out.append(("recv", ws.recv(timeout=timeout)))
                if close: ws.close(*close); out.append("client closed")
            except ConnectionClosed as e:
                out.append(f"closed code={e.rcvd.code if e.rcvd else None} reason={e.rcvd.reason if e.rcvd else None!r}")
            except TimeoutError:
                out.append("recv timeout")
            return out
    except InvalidStatus as e:
        return [f"HTTP {e.response.status_code} body={e.response.body[:120]!r}"]
    except Exception as e:
        return [f"{type(e).__name__}: {e}"]
