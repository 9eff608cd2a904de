"""The suite's instruments: the prober sees a stalled loop, and a quiet server passes."""

import time

import pytest


def test_a_quiet_server_passes_the_probe_and_a_real_login(hostile_server, prober, real_user):
    server = hostile_server()
    user = real_user(server)
    with prober(server) as probe:
        time.sleep(0.6)
        took = user.assert_login_fast()
    probe.report.assert_fast()
    assert probe.report.count >= 8, probe.report
    assert took < 2.0


def test_the_prober_sees_a_stalled_loop(hostile_server, prober):
    server = hostile_server(fast_hashing=True)
    with prober(server) as probe:
        time.sleep(0.2)
        # Block the loop thread twice, as quadratic parses or huge pages would.
        for _ in range(2):
            server.server.call_soon_threadsafe(time.sleep, 2.5)
            time.sleep(3.0)
    report = probe.report
    assert report.second_worst_ms >= 2300, report
    assert not report.errors, report
    with pytest.raises(AssertionError, match="over"):
        report.assert_fast()


def test_the_prober_counts_a_server_that_is_gone_as_failed(hostile_server, prober):
    server = hostile_server(fast_hashing=True)
    with prober(server) as probe:
        time.sleep(0.2)
        server.stop()
        time.sleep(0.3)
    assert probe.report.errors, probe.report
    with pytest.raises(AssertionError, match="failed"):
        probe.report.assert_fast()
