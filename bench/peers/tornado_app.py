"""tornado peer: RequestHandlers and its StaticFileHandler.

    bench/.venv/bin/python bench/peers/tornado_app.py --port 8081 --db DB --static DIR
"""

import argparse
import asyncio
import logging

import feed_page
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(feed_page.HELLO)


class Feed(tornado.web.RequestHandler):
    def initialize(self, db):
        self.db = db

    def get(self):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(feed_page.render_feed(self.db))


async def serve(args):
    db = feed_page.connect(args.db)
    app = tornado.web.Application([
        (r"/hello", Hello),
        (r"/feed", Feed, {"db": db}),
        (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": args.static}),
    ])
    app.listen(args.port, address="127.0.0.1", backlog=1024)
    await asyncio.Event().wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--static", required=True)
    args = parser.parse_args()
    logging.getLogger("tornado.access").disabled = True
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
