"""aiohttp peer: plain handlers and `add_static` for files.

    bench/.venv/bin/python bench/peers/aiohttp_app.py --port 8081 --db DB --static DIR
"""

import argparse

import feed_page
from aiohttp import web


async def hello(request):
    return web.Response(body=feed_page.HELLO, content_type="text/plain", charset="utf-8")


async def feed(request):
    return web.Response(body=feed_page.render_feed(request.app["db"]), content_type="text/html",
                        charset="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--static", required=True)
    args = parser.parse_args()
    app = web.Application()
    app["db"] = feed_page.connect(args.db)
    app.router.add_get("/hello", hello)
    app.router.add_get("/feed", feed)
    app.router.add_static("/static/", args.static)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, backlog=1024)


if __name__ == "__main__":
    main()
