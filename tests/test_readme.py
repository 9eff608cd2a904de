"""The README documents what the code offers."""

import dataclasses
import pathlib

import reactor

README = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_lists_every_server_config_field():
    missing = [f.name for f in dataclasses.fields(reactor.ServerConfig)
               if f"`{f.name}`" not in README]
    assert missing == []


def test_readme_lists_every_app_setting():
    from handlers.config import AppConfig
    missing = [f.name for f in dataclasses.fields(AppConfig)
               if f.name != "clock" and f"`{f.name}`" not in README]
    assert missing == []


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README


def test_readme_documents_make_cluster():
    assert "make cluster" in README and "KEEP=1" in README
