"""store/accounts.py against a real sqlite file: the summary, and deletion that takes
every row of the account and nobody else's."""

from store_fixtures import T0, db_fixture, make_user  # noqa: F401  (db fixture)

from handlers.store import accounts, friends, messages, posts, sessions, users


def populate(db):
    ann, bob, cyd = make_user(db, "ann"), make_user(db, "bob"), make_user(db, "cyd")
    friends.request_or_accept(db, from_id=ann["id"], to_id=bob["id"], now=T0)
    friends.request_or_accept(db, from_id=bob["id"], to_id=ann["id"], now=T0)
    friends.request_or_accept(db, from_id=cyd["id"], to_id=ann["id"], now=T0)
    friends.request_or_accept(db, from_id=bob["id"], to_id=cyd["id"], now=T0)
    friends.request_or_accept(db, from_id=cyd["id"], to_id=bob["id"], now=T0)
    posts.create_post(db, author_id=ann["id"], body="", visibility="public",
                      image_name="annphoto1234.png", now=T0)
    posts.create_post(db, author_id=ann["id"], body="words", visibility="friends", now=T0)
    posts.create_post(db, author_id=bob["id"], body="bob's", visibility="public", now=T0)
    messages.send_message(db, sender_id=ann["id"], recipient_id=bob["id"], body="hi", now=T0)
    messages.send_message(db, sender_id=bob["id"], recipient_id=ann["id"], body="yo", now=T0)
    sessions.create_session(db, user_id=ann["id"], token_hash="h1", csrf_token="c",
                            now=T0, expires_at=T0 + 60)
    sessions.record_failed_login(db, username="Ann", client="192.0.2.1", now=T0)
    return ann, bob, cyd


def test_summary_counts_what_the_account_would_lose(db):
    ann, _, _ = populate(db)
    assert accounts.account_summary(db, user_id=ann["id"]) == {
        "posts": 2, "photos": 1, "friends": 1, "messages": 2}


def test_delete_account_takes_every_row_of_the_account_in_one_go(db):
    ann, bob, cyd = populate(db)
    result = accounts.delete_account(db, user_id=ann["id"], now=T0)
    assert result["username"] == "ann"
    assert result["images"] == ["annphoto1234.png"]
    assert result["avatar_name"] is None
    assert result["deleted"]["posts"] == 2 and result["deleted"]["users"] == 1
    for table, rows in accounts.OWNED_ROWS:
        assert db.query_value(f"SELECT count(*) FROM {table} WHERE {rows}",
                              {"user_id": ann["id"]}) == 0, table
    assert db.query_value("SELECT count(*) FROM failed_logins") == 0
    # Everyone else keeps theirs: bob's post, bob and cyd's friendship.
    assert [p["body"] for p in posts.posts_by(db, author_id=bob["id"], viewer_id=bob["id"])] \
        == ["bob's"]
    assert friends.friend_ids(db, user_id=bob["id"]) == [cyd["id"]]
    # Bob's workers hear that his friend list changed.
    assert db.query_all("SELECT user_id, kind FROM live_events") == [
        {"user_id": bob["id"], "kind": "friends_changed"}]


def test_a_failure_inside_the_deletion_rolls_all_of_it_back(db):
    ann, _, _ = populate(db)
    # A trigger that refuses the last step stands in for a crash half-way.
    if db.dialect == "sqlite":
        db.execute("CREATE TEMP TRIGGER refuse BEFORE DELETE ON users"
                   " BEGIN SELECT RAISE(ABORT, 'refused'); END")
    else:
        db.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql"
                   " AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$")
        db.execute("CREATE TRIGGER refuse BEFORE DELETE ON users"
                   " FOR EACH ROW EXECUTE FUNCTION refuse()")
    try:
        accounts.delete_account(db, user_id=ann["id"], now=T0)
    except Exception as exc:
        assert "refused" in str(exc)
    else:
        raise AssertionError("the deletion should have failed")
    assert accounts.account_summary(db, user_id=ann["id"])["posts"] == 2
    assert db.query_value("SELECT count(*) FROM sessions") == 1


def test_deleting_an_unknown_account_is_none(db):
    assert accounts.delete_account(db, user_id=999, now=T0) is None


def test_delete_account_names_the_profile_picture_to_remove(db):
    ann, _, _ = populate(db)
    users.set_avatar(db, user_id=ann["id"], avatar_name="annface00000.jpg")
    result = accounts.delete_account(db, user_id=ann["id"], now=T0)
    assert result["avatar_name"] == "annface00000.jpg"
    assert users.avatar_owner(db, avatar_name="annface00000.jpg") is None
