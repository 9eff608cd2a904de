"""`make cluster` as a test: PostgreSQL, two MiniFace nodes with separate data
directories and nginx in front, started by tools/cluster.py, and the smoke journey
(tools/journey.py) through nginx.

Skips, saying why, when the PostgreSQL binaries, nginx or psycopg are missing
(`.ci/run` installs Debian's `postgresql` and `nginx`). One cluster serves the
module: it starts in about 3 s.
"""

from __future__ import annotations

import contextlib
import subprocess

import pytest
from cluster import LocalCluster, missing_reason
from journey import DELIVERY_TIMEOUT_SECONDS, Journey

MISSING = missing_reason()
pytestmark = pytest.mark.skipif(MISSING is not None,
                                reason=f"make cluster cannot run here: {MISSING}")


@pytest.fixture(scope="module")
def cluster():
    # The system temp dir, not pytest's: PostgreSQL and nginx's worker run as
    # `nobody` when the tests run as root, and pytest's directories are private.
    with LocalCluster.start(nodes=2) as started:
        yield started


@pytest.fixture(scope="module")
def journey(cluster):
    """Two people signed up and logged in, friends, alice's friends-only photo posted."""
    journey = Journey(cluster.url, cluster.node_names, log=lambda line: None)
    journey.sign_up()
    journey.log_in()
    journey.post_photo()
    journey.befriend()
    return journey


@contextlib.contextmanager
def logs_on_failure(cluster):
    """A failed check carries the nodes', nginx's and PostgreSQL's logs."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{cluster.logs()}") from None


def test_cluster_is_two_nodes_behind_nginx(cluster):
    assert cluster.node_names == ["node1", "node2"]
    assert len({node.port for node in cluster.nodes}) == 2
    assert len({node.directory for node in cluster.nodes}) == 2
    assert cluster.dead_children() == []


def test_journey_through_nginx_alternates_nodes_and_crosses_them(cluster, journey):
    with logs_on_failure(cluster):
        journey.nodes_answer_in_turn()
        journey.log_in_together()
        journey.session_works_on_every_node()
        journey.friend_sees_the_post()
        journey.chat_crosses_nodes()
    assert journey.chat_delay is not None and journey.chat_delay < DELIVERY_TIMEOUT_SECONDS
    # Every request of the journey so far, sign-up included: never the same node twice.
    journey.requests_alternated()
    assert {reply.node for reply in journey.trail} == {"node1", "node2"}


def test_photo_uploaded_through_one_node_is_served_by_every_node(cluster, journey):
    with logs_on_failure(cluster):
        journey.photo_from_every_node()


def test_a_node_going_down_leaves_the_site_to_the_other_then_stop_ends_everything():
    cluster = LocalCluster.start(nodes=2, access_log=False)
    pids = [node.process.pid for node in cluster.nodes] + [cluster.balancer.process.pid]
    pg_pid = int((cluster.pg.datadir / "postmaster.pid").read_text().split()[0])
    try:
        # node2 stops (SIGTERM, as for a deploy): nginx finds its port refusing and
        # passes the request to node1, so nobody sees an error, sign-ups included.
        cluster.nodes[1].stop()
        journey = Journey(cluster.url, cluster.node_names, log=lambda line: None)
        answers = [journey.request("GET", "/healthz") for _ in range(4)]
        journey.sign_up()
        assert [(r.status, r.node) for r in answers] == [(200, "node1")] * 4
        assert {r.node for r in journey.trail} == {"node1"}
    finally:
        cluster.stop()
    assert all(node.process.poll() is not None for node in cluster.nodes)
    assert cluster.balancer.process.poll() is not None
    # pg_ctl's server is reparented to init; a zombie (stat Z) has exited, and an
    # init that does not reap (in some containers) is not ours to fix.
    listed = subprocess.run(["ps", "-o", "pid=,stat=", "-p", ",".join(map(str, [*pids, pg_pid]))],
                            capture_output=True, text=True).stdout.splitlines()
    alive = [line for line in listed if not line.split()[1].startswith("Z")]
    assert alive == []
    assert not cluster.directory.exists()
