"""Friends through the JSON API: the request state machine and the lists."""


def friendship(client, username):
    return client.get(f"/api/users/{username}").json()["friendship"]


def usernames(users):
    return [u["username"] for u in users]


def test_a_request_then_an_accept_makes_friends(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    asked = alice.post_json("/api/friends/bob")
    assert asked.status == 201
    assert asked.json() == {**bob.user, "friendship": "request_sent"}
    assert friendship(alice, "bob") == "request_sent"
    assert friendship(bob, "alice") == "request_received"
    accepted = bob.post_json("/api/friends/ALICE")
    assert accepted.status == 200
    assert accepted.json() == {**alice.user, "friendship": "friends"}
    assert friendship(alice, "bob") == friendship(bob, "alice") == "friends"
    assert usernames(alice.get("/api/friends").json()["friends"]) == ["bob"]
    assert usernames(bob.get("/api/friends").json()["friends"]) == ["alice"]


def test_requests_are_listed_both_ways(make_user):
    alice, carol = make_user("alice"), make_user("carol")
    make_user("bob")
    alice.post_json("/api/friends/bob")
    carol.post_json("/api/friends/alice")
    lists = alice.get("/api/friends/requests").json()
    assert usernames(lists["incoming"]) == ["carol"]
    assert usernames(lists["outgoing"]) == ["bob"]
    assert lists["incoming"][0]["friendship"] == "request_received"
    assert lists["outgoing"][0]["friendship"] == "request_sent"


def test_asking_twice_or_asking_a_friend_is_a_conflict(make_user, befriend):
    alice, carol = make_user("alice"), make_user("carol")
    make_user("bob")
    assert alice.post_json("/api/friends/bob").status == 201
    again = alice.post_json("/api/friends/bob")
    assert again.status == 409 and again.error_code == "conflict"
    befriend(alice, carol)
    assert carol.post_json("/api/friends/alice").status == 409


def test_when_both_ask_the_second_request_accepts(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    assert alice.post_json("/api/friends/bob").status == 201
    crossing = bob.post_json("/api/friends/alice")
    assert crossing.status == 200 and crossing.json()["friendship"] == "friends"
    assert alice.get("/api/friends/requests").json() == {
        "incoming": [], "outgoing": [], "incoming_next_before": None,
        "outgoing_next_before": None}


def test_befriending_yourself_is_invalid_and_strangers_unknown(make_user):
    alice = make_user("alice")
    me = alice.post_json("/api/friends/alice")
    assert me.status == 422 and me.error_code == "invalid"
    assert alice.post_json("/api/friends/nobody").status == 404
    assert alice.delete("/api/friends/nobody").status == 404


def test_delete_cancels_declines_or_unfriends(make_user, befriend):
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    alice.post_json("/api/friends/bob")
    assert alice.delete("/api/friends/bob").status == 204          # cancel
    assert friendship(bob, "alice") == "none"
    carol.post_json("/api/friends/alice")
    assert alice.delete("/api/friends/carol").status == 204        # decline
    assert friendship(carol, "alice") == "none"
    befriend(alice, dave)
    assert dave.delete("/api/friends/alice").status == 204         # unfriend
    assert friendship(alice, "dave") == "none"
    nothing = alice.delete("/api/friends/dave")
    assert nothing.status == 404 and nothing.error_code == "not_found"


def test_a_declined_person_may_ask_again(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    alice.post_json("/api/friends/bob")
    bob.delete("/api/friends/alice")
    assert alice.post_json("/api/friends/bob").status == 201


def test_users_carry_the_viewers_friendship(make_user, befriend):
    alice, bob, carol = make_user("alice", "Alice A"), make_user("bob"), make_user("carol")
    befriend(alice, bob)
    carol.post_json("/api/friends/alice")
    found = {u["username"]: u["friendship"] for u in alice.get("/api/users?q=").json()["users"]}
    assert found == {}
    states = {u["username"]: u["friendship"]
              for name in ("alice", "bob", "carol")
              for u in alice.get(f"/api/users?q={name}").json()["users"]}
    assert states == {"alice": "self", "bob": "friends", "carol": "request_received"}


def test_user_search_matches_username_or_name_and_limits(make_user):
    alice = make_user("alice", "Alice Liddell")
    make_user("liddell_fan", "Someone")
    make_user("bob", "Bob Liddell")
    found = usernames(alice.get("/api/users?q=liddell").json()["users"])
    assert sorted(found) == ["alice", "bob", "liddell_fan"]
    assert found[0] == "liddell_fan"  # prefix matches come first
    assert len(alice.get("/api/users?q=liddell&limit=2").json()["users"]) == 2
    assert alice.get("/api/users?q=" + "x" * 101).status == 400


def test_search_treats_like_wildcards_literally(make_user):
    alice = make_user("alice")
    make_user("a_b")
    make_user("axb")
    assert usernames(alice.get("/api/users?q=a_").json()["users"]) == ["a_b"]
    assert alice.get("/api/users?q=%25").json()["users"] == []


def test_one_user_by_name_in_any_case(make_user):
    alice = make_user("alice", "Alice A")
    answer = alice.get("/api/users/ALICE")
    assert answer.status == 200 and answer.json() == {**alice.user, "friendship": "self"}
    assert alice.get("/api/users/nobody").status == 404
