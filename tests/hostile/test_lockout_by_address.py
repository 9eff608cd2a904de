"""Anyone could lock any account: five wrong passwords locked its owner out for 15
minutes, renewable for ever. The throttle now counts per (account, address), so an
attacker's guesses slow down the attacker only."""

from __future__ import annotations

import time

from app_attacks import ATTACKER, OWNER, login_from
from hostile_support import scaled


def test_guessing_from_one_address_does_not_lock_the_owner_out(hostile_server, prober,
                                                               real_user):
    server = hostile_server()
    owner = real_user(server)
    statuses = []
    with prober(server) as probe:
        for _ in range(scaled(20, 200)):
            status, headers, _ = login_from(ATTACKER, server.port, owner.username,
                                            "a wrong guess")
            statuses.append(status)
        started = time.monotonic()
        status, _, body = login_from(OWNER, server.port, owner.username, owner.password)
        took = time.monotonic() - started
    print(f"\nlockout: owner login {status} in {took:.2f} s; prober {probe.report}")
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
    assert int(headers["retry-after"]) >= 1
    assert status == 200, body
    assert took < 2.0
    # The attacker is still held back, and the owner's success did not free it.
    assert login_from(ATTACKER, server.port, owner.username, owner.password)[0] == 429
    probe.report.assert_fast()
