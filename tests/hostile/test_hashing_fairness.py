"""Password hashing is the most expensive thing an anonymous client can ask for.
Dozens of wrong-password logins for made-up names (held open, or sent and dropped
at once) and a burst of signups used to fill the one shared pool queue: a real
user's login waited 10-15 s and photo uploads waited behind them. Now hashing has
per-address and global admission limits, signups are throttled per address, work
for a client that has gone is dropped, and uploads use their own pool."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from app_attacks import (
    ATTACKER,
    BYSTANDER,
    OWNER,
    encode_multipart,
    login_from,
    png_bytes,
    post_json_from,
    request_from,
)
from hostile_support import LOGIN_BUDGET_SECONDS, scaled


def _dropped_login(port: int, username: str) -> None:
    """Send a login and hang up at once, without reading the answer."""
    import socket
    body = json.dumps({"username": username, "password": "not the password"}).encode()
    head = (f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), source_address=(ATTACKER, 0)) as sock:
        sock.sendall(head + body)


def _timed(fn, *args, **kwargs):
    started = time.monotonic()
    return fn(*args, **kwargs), time.monotonic() - started


def _signup(port: int, username: str):
    return post_json_from(ATTACKER, port, "/api/signup", {
        "username": username, "name": "Bot", "password": "bot password 1"}, timeout=60)


def _upload_photo(port: int, token: str):
    body, ctype = encode_multipart({"visibility": "public"},
                                   {"image": ("p.png", png_bytes(640, 480), "image/png")})
    return request_from(BYSTANDER, port, "POST", "/api/posts", body,
                        {"Content-Type": ctype, "Authorization": f"Bearer {token}"}, timeout=120)


def test_login_and_signup_floods_leave_real_logins_and_uploads_fast(hostile_server, prober,
                                                                    real_user):
    server = hostile_server()
    owner = real_user(server)
    poster = real_user(server, "poster")
    token = poster.login()[2]
    held = scaled(24, 96)
    answers = []
    lock = threading.Lock()

    def held_login(i):
        started = time.monotonic()
        status, headers, _ = login_from(ATTACKER, server.port, f"ghost{i}", "a wrong guess",
                                        timeout=60)
        with lock:
            answers.append((status, time.monotonic() - started, headers.get("retry-after")))

    # What a login and an upload cost on this machine right now, with no attack:
    # the budgets below allow three times that (this VM's 2 cores are shared and
    # argon2 at its real cost is CPU-bound), and never less than 2 s and 3 s.
    quiet_login = _timed(login_from, OWNER, server.port, owner.username, owner.password)[1]
    quiet_upload = _timed(_upload_photo, server.port, token)[1]
    login_budget = max(LOGIN_BUDGET_SECONDS, 3 * quiet_login)
    upload_budget = max(3.0, 3 * quiet_upload)
    with prober(server) as probe, ThreadPoolExecutor(held + 16) as pool:
        attack = [pool.submit(held_login, i) for i in range(held)]
        attack += [pool.submit(_dropped_login, server.port, f"gone{i}") for i in range(held)]
        signups = [pool.submit(_signup, server.port, f"bot{i}") for i in range(12)]
        time.sleep(0.3)
        owner_login = pool.submit(_timed, login_from, OWNER, server.port, owner.username,
                                  owner.password, timeout=120)
        upload = pool.submit(_timed, _upload_photo, server.port, token)
        (status, _, body), login_took = owner_login.result()
        (upload_status, _, _), upload_took = upload.result()
        for future in attack:
            future.result()
        signup_statuses = sorted(f.result()[0] for f in signups)
    refused = [a for a in answers if a[0] in (429, 503)]
    print(f"\nhashing flood (quiet: login {quiet_login:.2f} s, upload {quiet_upload:.2f} s): "
          f"owner login {status} in {login_took:.2f} s, upload "
          f"{upload_status} in {upload_took:.2f} s, {len(refused)}/{len(answers)} held "
          f"logins refused, signups {signup_statuses}; prober {probe.report}")
    assert status == 200, body
    assert login_took < login_budget, (login_took, quiet_login)
    assert upload_status == 201 and upload_took < upload_budget, (upload_took, quiet_upload)
    # Refusals are quick and say when to come back.
    assert refused and all(took < 1.0 and retry for _, took, retry in refused)
    assert 429 in signup_statuses
    probe.report.assert_fast()
