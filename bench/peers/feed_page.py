"""What every peer serves: /hello, /static/<file> and /feed, the naive feed page.

The feed is "a naive Python stack renders a bare list": one indexed sqlite query
for the 20 newest posts with their authors' names, rendered by `chevron.render`
from a template string on every request. `make_database` writes the peers'
database (100 authors, 10,000 posts); each peer opens its own connection.

Peers import only this module, the standard library, chevron and their framework;
they run from the bench venv (bench/.venv), never MiniFace's.
"""

from __future__ import annotations

import random
import sqlite3

import chevron

HELLO = b"Hello, World!"
AUTHORS = 100
POSTS = 10_000
PAGE_SIZE = 20
WORDS = "hello world today coffee park photo friends weekend music city rain sun".split()

FEED_SQL = """
SELECT p.id, u.name AS author, p.body, p.created_at
FROM posts p JOIN users u ON u.id = p.author_id
ORDER BY p.id DESC LIMIT :limit
"""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feed</title></head>
<body><h1>Feed</h1>
<ul class="feed">
{{#posts}}
<li class="post" id="post-{{id}}"><b class="author">{{author}}</b> <time>{{created_at}}</time>
<p>{{body}}</p></li>
{{/posts}}
</ul>
</body></html>
"""


def make_database(path: str) -> None:
    rng = random.Random(1)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL
                            REFERENCES users(id), body TEXT NOT NULL, created_at INTEGER);
        CREATE INDEX posts_author ON posts(author_id, id);
    """)
    db.executemany("INSERT INTO users (id, name) VALUES (?, ?)",
                   [(i, f"Peer User {i}") for i in range(1, AUTHORS + 1)])
    db.executemany("INSERT INTO posts (author_id, body, created_at) VALUES (?, ?, ?)",
                   [(rng.randint(1, AUTHORS), " ".join(rng.choices(WORDS, k=rng.randint(3, 12))),
                     1_700_000_000 + i * 30) for i in range(POSTS)])
    db.commit()
    db.close()


def connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


def render_feed(db: sqlite3.Connection) -> bytes:
    rows = db.execute(FEED_SQL, {"limit": PAGE_SIZE}).fetchall()
    posts = [dict(row) for row in rows]
    return chevron.render(TEMPLATE, {"posts": posts}).encode("utf-8")
