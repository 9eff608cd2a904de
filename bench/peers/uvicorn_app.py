"""uvicorn (httptools + uvloop) peer: a bare ASGI app, no framework on top.

    bench/.venv/bin/python bench/peers/uvicorn_app.py --port 8081 --db DB --static DIR
"""

import argparse
import os

import feed_page
import uvicorn

STATE = {}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/hello":
        body, ctype = feed_page.HELLO, b"text/plain; charset=utf-8"
    elif path == "/feed":
        body, ctype = feed_page.render_feed(STATE["db"]), b"text/html; charset=utf-8"
    elif path.startswith("/static/") and ".." not in path:
        # uvicorn has no file serving of its own: read the file (the page cache keeps it).
        try:
            with open(os.path.join(STATE["static"], path[len("/static/"):]), "rb") as f:
                body, ctype = f.read(), b"image/png"
        except OSError:
            body, ctype = b"not found", b"text/plain"
    else:
        body, ctype = b"not found", b"text/plain"
    status = 404 if body == b"not found" else 200
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--static", required=True)
    args = parser.parse_args()
    STATE.update(db=feed_page.connect(args.db), static=args.static)
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools",
                access_log=False, log_level="warning", backlog=1024)


if __name__ == "__main__":
    main()
