"""bench/gen_feed_db.py builds a real MiniFace database that the store can read."""

import subprocess
import sys
from pathlib import Path

from passlib.hash import argon2

from handlers.store import friends, open_database, posts, users

ROOT = Path(__file__).resolve().parents[2]


def test_generated_database_has_users_friends_posts_and_a_test_login(tmp_path):
    path = tmp_path / "feed.db"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_feed_db.py"), str(path),
         "--users", "200", "--posts", "3000"],
        capture_output=True, text=True, timeout=60, check=True)
    assert "test user: bench0 password: benchpass" in done.stdout
    db = open_database(path)
    try:
        assert db.query_value("SELECT count(*) FROM users") == 200
        assert db.query_value("SELECT count(*) FROM posts") == 3000
        mix = {row["visibility"] for row in db.query_all("SELECT DISTINCT visibility FROM posts")}
        assert mix == {"public", "friends", "private"}
        bench0 = users.get_credentials(db, "bench0")
        assert argon2.verify("benchpass", bench0["password_hash"])
        degree = len(friends.friend_ids(db, user_id=bench0["id"]))
        assert 10 <= degree <= 80
        assert len(posts.feed_for(db, viewer_id=bench0["id"], limit=20)) == 20
    finally:
        db.close()
    refused = subprocess.run([sys.executable, str(ROOT / "bench" / "gen_feed_db.py"), str(path)],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "--force" in refused.stderr
