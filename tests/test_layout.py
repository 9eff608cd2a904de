"""Project-level rules that no linter checks."""

import json
import subprocess
import sys


def test_reactor_imports_nothing_from_the_app():
    code = ("import json, sys, reactor; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('handlers', 'chevron', 'passlib', 'multipart', 'python_multipart', 'PIL'))))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                         check=True, cwd=".")
    assert json.loads(out.stdout) == []


def test_terminal_client_imports_nothing_from_the_server():
    code = ("import json, sys, client; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('handlers', 'reactor'))))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                         check=True, cwd=".")
    assert json.loads(out.stdout) == []


def test_no_reactor_module_grows_past_400_lines():
    # One job per module: a module this long is doing two.
    from pathlib import Path
    sizes = {path.name: len(path.read_text().splitlines())
             for path in Path("reactor").glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
