"""The `miniface` command: serve the site, prepare the database, run the client.

    miniface serve [--host 127.0.0.1] [--port 8080] [--data-dir ./data] [--demo]
                   [--workers N] [--quiet] [--no-access-log] [--<any setting> VALUE]
                   [--database postgresql://USER@HOST/DB]
    miniface init-db [--data-dir DIR] [--database postgresql://USER@HOST/DB]
    miniface seed --demo [--data-dir DIR] [--database URL]
    miniface client ...          (the terminal client; `miniface client --help`)

Every field of `reactor.ServerConfig` and `handlers.config.AppConfig` is a flag
(`pool_workers` is `--pool-workers N`; a boolean that defaults to on is
`--no-<name>`), and every flag also reads `MINIFACE_<NAME>` from the environment
(`MINIFACE_PORT=9000`, `MINIFACE_DEMO=1`); a flag given on the command line wins.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

import reactor

from .config import AppConfig

__all__ = ["build_parser", "main"]

log = logging.getLogger("miniface")

ENV_PREFIX = "MINIFACE_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# Fields with flags of their own below, or that are not settings at all.
_SPECIAL_FIELDS = {"host", "port", "data_dir", "demo", "access_log", "clock", "database"}
_PATH_FIELDS = {"uploads_dir", "db_path", "assets_dir"}
DEMO_HELP = ("seed the demo people if the database is empty (alice, bob, carol, dave, "
             "erin; password 'password123')")


def _env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _env_bool(field: str, default: bool) -> bool:
    raw = os.environ.get(_env_name(field))
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        raise SystemExit(f"miniface: {_env_name(field)} must be 1/0, true/false, yes/no or on/off")
    return value in _TRUE


def _env_default(field: str, default, kind):
    raw = os.environ.get(_env_name(field))
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"miniface: {_env_name(field)}={raw!r} is not a valid {kind.__name__}") \
            from None


def _add_bool(parser, field: str, default: bool, help_text: str) -> None:
    flag = field.replace("_", "-")
    value = _env_bool(field, default)
    if default:
        parser.add_argument(f"--no-{flag}", dest=field, action="store_false", default=value,
                            help=f"turn off: {help_text} (env {_env_name(field)}=0)")
    else:
        parser.add_argument(f"--{flag}", dest=field, action="store_true", default=value,
                            help=f"{help_text} (env {_env_name(field)}=1)")


def _add_value(parser, field: str, default, kind, help_text: str) -> None:
    parser.add_argument(f"--{field.replace('_', '-')}", dest=field, type=kind,
                        default=_env_default(field, default, kind), metavar=field.upper(),
                        help=f"{help_text} (default {default}; env {_env_name(field)})")


def _add_config_fields(parser, config_cls) -> None:
    """A flag for every remaining field of a settings dataclass."""
    defaults = config_cls()
    for field in dataclasses.fields(config_cls):
        name = field.name
        if name in _SPECIAL_FIELDS:
            continue
        default = getattr(defaults, name)
        help_text = name.replace("_", " ")
        if isinstance(default, bool):
            _add_bool(parser, name, default, help_text)
        elif name in _PATH_FIELDS:
            _add_value(parser, name, None if name != "assets_dir" else default, Path, help_text)
        else:
            _add_value(parser, name, default, type(default), help_text)


def _add_data_dir(parser) -> None:
    _add_value(parser, "data_dir", Path("data"), Path, "where the database and uploads live")
    parser.add_argument("--database", default=os.environ.get(_env_name("database")) or None,
                        metavar="URL", type=_database_url,
                        help="postgresql://USER@HOST/DB to use PostgreSQL instead of sqlite in "
                             f"the data directory (env {_env_name('database')})")


def _database_url(value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")):
        raise argparse.ArgumentTypeError("expected a postgresql://USER@HOST/DB URL")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="miniface", description="MiniFace: a small social network on its own HTTP server.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the site",
                           description="Serve MiniFace (HTML pages and the JSON API).")
    _add_value(serve, "host", "127.0.0.1", str, "address to listen on")
    _add_value(serve, "port", 8080, int, "port to listen on (0 picks a free one)")
    _add_data_dir(serve)
    _add_bool(serve, "demo", False, DEMO_HELP)
    _add_value(serve, "workers", 1, int, "processes serving the port (SO_REUSEPORT) under "
               "a supervisor that replaces any that die; 1 serves in this process")
    _add_bool(serve, "quiet", False, "log warnings and errors only")
    _add_bool(serve, "access_log", True, "log one line per request")
    _add_config_fields(serve, reactor.ServerConfig)
    _add_config_fields(serve, AppConfig)
    init_db = sub.add_parser("init-db", help="create the database and apply the schema")
    _add_data_dir(init_db)
    seed = sub.add_parser("seed", help="fill the database with demo data")
    _add_data_dir(seed)
    seed.add_argument("--demo", action="store_true", required=True, help=DEMO_HELP)
    sub.add_parser("client", help="the terminal client (see `miniface client --help`)",
                   add_help=False)
    return parser


def _split(args) -> tuple[AppConfig, reactor.ServerConfig]:
    values = vars(args)
    app_fields = {f.name for f in dataclasses.fields(AppConfig)} - {"clock"}
    server_fields = {f.name for f in dataclasses.fields(reactor.ServerConfig)}
    app = AppConfig(**{k: v for k, v in values.items() if k in app_fields})
    server = reactor.ServerConfig(**{k: v for k, v in values.items() if k in server_fields})
    return app, server


def _serve(args) -> int:
    from .app import create_app

    app_config, server_config = _split(args)
    if args.workers < 1:
        raise SystemExit("miniface: --workers must be at least 1")
    if args.workers > 1:
        return _serve_workers(args.workers, app_config, server_config)
    app = create_app(app_config)
    try:
        server = reactor.Server(app, server_config)
        log.info("MiniFace: data in %s, database %s", app_config.data_dir.resolve(),
                 _shown(app_config.database_target))
        server.serve_forever()
    finally:
        app.close()
    return 0


def _serve_workers(count: int, app_config: AppConfig,
                   server_config: reactor.ServerConfig) -> int:
    """`count` worker processes on one port under a supervisor (handlers/workers.py)."""
    from .app import create_app
    from .workers import Supervisor, reserve_port, run_in_child

    # The schema and the demo people once, before forking: workers must not race
    # to migrate or seed.
    if run_in_child(lambda: create_app(app_config).close()) != 0:
        raise SystemExit("miniface: could not open the database (see the log above)")
    try:
        reserved = reserve_port(server_config.host, server_config.port)
    except OSError as exc:
        raise SystemExit(f"miniface: cannot listen on {server_config.host}:"
                         f"{server_config.port}: {exc.strerror}") from None
    worker_config = dataclasses.replace(server_config, port=reserved.getsockname()[1],
                                        reuse_port=True)
    log.info("MiniFace: %d workers on http://%s:%d, data in %s", count, worker_config.host,
             worker_config.port, app_config.data_dir.resolve())
    supervisor = Supervisor(count, lambda number: _run_worker(number, app_config, worker_config),
                            grace=server_config.shutdown_grace, keep_open=(reserved,))
    try:
        return supervisor.run()
    finally:
        reserved.close()


def _run_worker(number: int, app_config: AppConfig, server_config: reactor.ServerConfig) -> int:
    """One worker process: its own database connection, app and loop."""
    from .app import create_app
    from .workers import BOOT_ERROR_EXIT, stop_when_orphaned

    node = f"{app_config.node_name}/{number}" if app_config.node_name else ""
    try:
        app = create_app(dataclasses.replace(app_config, demo=False, node_name=node))
        server = reactor.Server(app, server_config)
        server.bind()
    except Exception:
        log.exception("worker %d could not start", number)
        return BOOT_ERROR_EXIT
    stop_when_orphaned(server, os.getppid())
    try:
        server.serve_forever()
    finally:
        app.close()
    return 0


def _init_db(args) -> int:
    from .store import open_database

    config = AppConfig(data_dir=args.data_dir, database=args.database)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.uploads_dir.mkdir(parents=True, exist_ok=True)
    from .media import Media

    db = open_database(config.database_target)
    try:
        # PostgreSQL: this node's photos from before migration 005 into the database.
        Media(db, config.uploads_dir).copy_local_files()
    finally:
        db.close()
    log.info("database ready at %s", _shown(config.database_target))
    return 0


def _seed(args) -> int:
    from .app import create_app, seed_demo_if_empty

    app = create_app(AppConfig(data_dir=args.data_dir, database=args.database))
    try:
        if not seed_demo_if_empty(app.ctx):
            log.info("the demo people are already there; nothing to do")
    finally:
        app.close()
    return 0


def _shown(target) -> str:
    """A database target for logs: a URL without its password."""
    text = str(target)
    scheme, sep, rest = text.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        return f"{scheme}://{credentials.split(':')[0]}@{host}"
    return text


def _client(argv: list[str]) -> int:
    try:
        import client
    except ImportError as exc:
        print(f"miniface: the terminal client is not available ({exc})", file=sys.stderr)
        return 1
    return client.main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["client"]:
        return _client(argv[1:])
    args = build_parser().parse_args(argv)
    quiet = getattr(args, "quiet", False)
    # With workers, several processes share the log: each line names its process.
    process = " [%(process)d]" if getattr(args, "workers", 1) > 1 else ""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format=f"%(asctime)s{process} %(levelname)s %(name)s: %(message)s")
    commands = {"serve": _serve, "init-db": _init_db, "seed": _seed}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
