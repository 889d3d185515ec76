"""Serve examples/app.py on a real server: ``python examples/serve.py --target flask``.

``--target fastapi`` and ``--target starlette`` run under uvicorn; ``--target flask``
under Flask's own development server (a production WSGI server arrives with the CLI).
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=["flask", "fastapi", "starlette"], default="fastapi")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    print(f"serving examples/app.py on {args.target} at http://{args.host}:{args.port}/items")
    if args.target == "flask":
        import flask

        import dualweb.flask

        app = flask.Flask("example")
        dualweb.flask.mount(app, router)
        app.run(host=args.host, port=args.port, threaded=True)
        return
    import uvicorn

    if args.target == "fastapi":
        import fastapi

        import dualweb.fastapi

        asgi_app = fastapi.FastAPI(title="dualweb example")
        dualweb.fastapi.mount(asgi_app, router)
    else:
        from starlette.applications import Starlette

        import dualweb.starlette

        asgi_app = Starlette()
        dualweb.starlette.mount(asgi_app, router)
    uvicorn.run(asgi_app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
