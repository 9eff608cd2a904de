"""The servers `bench/run.py` compares: how each starts and which URL serves which workload.

MiniFace's processes run with this Python (MiniFace's venv); the peers with the bench
venv's (`peer_python`). nginx runs as one process (`master_process off`), so it has
one core's worth of work, like everyone else here.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
FEED_DB_POSTS = 10_000
PEER_PATHS = {"hello": "/hello", "hello_new": "/hello", "png": "/static/img.png", "feed": "/feed"}

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log crit;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {work}/nginx-tmp;
    proxy_temp_path {work}/nginx-tmp;
    fastcgi_temp_path {work}/nginx-tmp;
    uwsgi_temp_path {work}/nginx-tmp;
    scgi_temp_path {work}/nginx-tmp;
    types {{ image/png png; }}
    server {{
        listen 127.0.0.1:{{port}};
        location /static/ {{ alias {work}/; }}
    }}
}}
"""


@dataclasses.dataclass
class ServerSpec:
    name: str
    command: list[str]               # "{port}" is replaced by the port
    paths: dict[str, str]            # workload -> path
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    prepare: object = None           # called with the port before starting (nginx's config)
    root: str = ROOT                 # the checkout whose code it runs (cwd and PYTHONPATH)

    def argv(self, port: int) -> list[str]:
        if self.prepare is not None:
            self.prepare(port)
        return [part.replace("{port}", str(port)) for part in self.command]

    def with_args(self, *extra: str) -> ServerSpec:
        return dataclasses.replace(self, command=[*self.command, *extra])


def feed_database() -> str:
    """bench/out/feed-10k-social.db (10,000 users, 10,000 posts with likes and comments),
    generated once and kept (a new name when the generator changes what it makes)."""
    path = os.path.join(OUT, "feed-10k-social.db")
    if not os.path.exists(path):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_feed_db.py"), "--posts",
                        str(FEED_DB_POSTS), path], check=True, stdout=subprocess.DEVNULL)
    return path


def miniface_specs(work: str, root: str = ROOT, suffix: str = "") -> list[ServerSpec]:
    """The reactor's hello server and the app, running the code of checkout `root`."""
    py = sys.executable
    data_dir = os.path.join(work, f"miniface-data{suffix}")
    db = feed_database()
    if suffix:  # its own copy: an older checkout must not migrate the shared file
        copy = os.path.join(work, f"feed{suffix}.db")
        shutil.copyfile(db, copy)
        db = copy
    return [
        ServerSpec("reactor" + suffix, [py, os.path.join(root, "examples", "hello.py"), "--port",
                                        "{port}", "--quiet", "--static", work],
                   {"hello": "/hello", "hello_new": "/hello", "png": "/static/img.png"},
                   root=root),
        ServerSpec("miniface" + suffix, [py, "-m", "handlers.cli", "serve", "--port", "{port}",
                                         "--db-path", db, "--data-dir", data_dir,
                                         "--no-access-log", "--quiet"], {"feed": "/"}, root=root),
    ]


def server_specs(work: str, peer_python: str, compare: str | None = None) -> list[ServerSpec]:
    """MiniFace (and, with `compare`, the same two servers from another checkout,
    named "reactor@before" and "miniface@before"), then the peers."""
    peer_db = os.path.join(work, "peers.db")
    specs = miniface_specs(work)
    if compare:
        specs += miniface_specs(work, os.path.abspath(compare), "@before")
    if not os.path.exists(peer_python):
        print(f"# no peers: {peer_python} is missing (make bench creates the bench venv)",
              file=sys.stderr)
        return specs
    subprocess.run([peer_python, "-c", "import feed_page, sys; feed_page.make_database(sys.argv[1])",
                    peer_db], check=True, cwd=os.path.join(HERE, "peers"))
    for name in ("uvicorn", "aiohttp", "tornado", "threading"):
        script = os.path.join(HERE, "peers", f"{name}_app.py")
        specs.append(ServerSpec(name, [peer_python, script, "--port", "{port}", "--db", peer_db,
                                       "--static", work], dict(PEER_PATHS)))
    conf = os.path.join(work, "nginx.conf")
    os.makedirs(os.path.join(work, "nginx-tmp"), exist_ok=True)

    def write_conf(port: int) -> None:
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(work=work).replace("{port}", str(port)))

    specs.append(ServerSpec("nginx", ["nginx", "-c", conf, "-p", work], {"png": "/static/img.png"},
                            prepare=write_conf))
    return specs


def log_in(port: int) -> str:
    """The session cookie ("mf_session=...") of bench0 on the MiniFace app at `port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/login", json.dumps({"username": "bench0", "password": "benchpass"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status} {body[:200]!r}")
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    conn.close()
    return cookie
