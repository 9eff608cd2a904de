"""Generate a large MiniFace database for feed and profile benchmarks.

Usage (from the repository root):

    .venv/bin/python bench/gen_feed_db.py                      # bench/feed.db: 10,000 users, 1,000,000 posts
    .venv/bin/python bench/gen_feed_db.py --posts 10000 bench/small.db
    .venv/bin/python bench/gen_feed_db.py --public-share 0.01  # public posts rare
    .venv/bin/miniface serve --db-path bench/feed.db           # then serve it

The schema is data/migrations/ (applied through handlers.store), so the file is a
normal MiniFace database. Every user is `benchN` with password `benchpass` (one real
argon2 hash, made once and shared); each has 20-50 friends on average. Posts get
random authors, visibilities mixed by --public-share / --private-share (the rest are
'friends'), ids and times growing together as in real use; each post gets 0 to
--max-likes likes and, with --comment-share of them, 1 to 3 comments, so cards show
counts and comments as they do on a lived-in site. An existing file is
replaced only with --force. Databases are git-ignored (bench/*.db*); do not commit them.
"""

import argparse
import logging
import random
import sys
import time
from pathlib import Path

from passlib.hash import argon2

# Run as a script from a checkout: make `handlers` importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from handlers.store import open_database  # noqa: E402

log = logging.getLogger("gen_feed_db")

BENCH_PASSWORD = "benchpass"
BATCH_ROWS = 50_000
SECONDS_PER_POST = 30
WORDS = ("hello world today coffee park photo friends weekend music city rain sun "
         "dinner movie book train garden cat dog beach code run walk tea").split()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="bench/feed.db")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--min-friends", type=int, default=20)
    parser.add_argument("--max-friends", type=int, default=50)
    parser.add_argument("--public-share", type=float, default=0.4)
    parser.add_argument("--private-share", type=float, default=0.2)
    parser.add_argument("--max-likes", type=int, default=5)
    parser.add_argument("--comment-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    return parser.parse_args(argv)


def _batches(rows, size=BATCH_ROWS):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _user_rows(count, password_hash, start):
    for i in range(count):
        yield {"username": f"bench{i}", "name": f"Bench User {i}",
               "password_hash": password_hash, "created_at": start}


def _friend_pairs(rng, count, low, high):
    """Canonical (a < b) pairs giving each user about low..high friends in all."""
    pairs = set()
    for user in range(1, count + 1):
        # Each pair adds a friend to both ends, so each user starts half its target.
        for _ in range(rng.randint(low, high) // 2):
            other = rng.randint(1, count)
            if other != user:
                pairs.add((min(user, other), max(user, other)))
    return sorted(pairs)


def _post_rows(rng, args, start):
    cut_public = args.public_share
    cut_private = cut_public + args.private_share
    for i in range(args.posts):
        roll = rng.random()
        visibility = ("public" if roll < cut_public
                      else "private" if roll < cut_private else "friends")
        yield {"author_id": rng.randint(1, args.users),
               "body": " ".join(rng.choices(WORDS, k=rng.randint(3, 12))),
               "visibility": visibility, "created_at": start + i * SECONDS_PER_POST}


def _like_rows(rng, args, start):
    for post_id in range(1, args.posts + 1):
        for user_id in rng.sample(range(1, args.users + 1), rng.randint(0, args.max_likes)):
            yield {"post_id": post_id, "user_id": user_id, "created_at": start + post_id * 30}


def _comment_rows(rng, args, start):
    for post_id in range(1, args.posts + 1):
        if rng.random() >= args.comment_share:
            continue
        for n in range(rng.randint(1, 3)):
            yield {"post_id": post_id, "author_id": rng.randint(1, args.users),
                   "body": " ".join(rng.choices(WORDS, k=rng.randint(2, 8))),
                   "created_at": start + post_id * SECONDS_PER_POST + 60 * (n + 1)}


def _insert(db, sql, rows):
    total = 0
    for batch in _batches(rows):
        db.execute_many(sql, batch)
        total += len(batch)
    return total


def generate(args) -> dict:
    path = Path(args.path)
    if path.exists() and not args.force:
        raise SystemExit(f"{path} exists; pass --force to replace it")
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    rng = random.Random(args.seed)
    password_hash = argon2.hash(BENCH_PASSWORD)
    start = int(time.time()) - args.posts * SECONDS_PER_POST
    db = open_database(path)
    db.execute("PRAGMA cache_size = -262144")  # 256 MiB: index pages stay in memory
    with db.transaction():
        users = _insert(db, "INSERT INTO users (username, name, password_hash, created_at)"
                            " VALUES (:username, :name, :password_hash, :created_at)",
                        _user_rows(args.users, password_hash, start))
        pairs = _friend_pairs(rng, args.users, args.min_friends, args.max_friends)
        _insert(db, "INSERT INTO friendships (user_a, user_b, created_at)"
                    " VALUES (:a, :b, :created_at)",
                ({"a": a, "b": b, "created_at": start} for a, b in pairs))
        posts = _insert(db, "INSERT INTO posts (author_id, body, visibility, created_at)"
                            " VALUES (:author_id, :body, :visibility, :created_at)",
                        _post_rows(rng, args, start))
        _insert(db, "INSERT INTO likes (post_id, user_id, created_at)"
                    " VALUES (:post_id, :user_id, :created_at)", _like_rows(rng, args, start))
        _insert(db, "INSERT INTO comments (post_id, author_id, body, created_at)"
                    " VALUES (:post_id, :author_id, :body, :created_at)",
                _comment_rows(rng, args, start))
    friends = db.query_value("SELECT count(*) FROM friendships WHERE user_a = 1 OR user_b = 1")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"users": users, "friendships": len(pairs), "posts": posts, "bench0_friends": friends}


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    started = time.monotonic()
    counts = generate(args)
    log.info("wrote %s: %d users, %d friendships, %d posts in %.1f s", args.path,
             counts["users"], counts["friendships"], counts["posts"], time.monotonic() - started)
    # The one line a benchmark script needs, on stdout so it can be captured.
    sys.stdout.write(f"test user: bench0 password: {BENCH_PASSWORD}"
                     f" ({counts['bench0_friends']} friends)\n")


if __name__ == "__main__":
    main()
