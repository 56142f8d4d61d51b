"""`pip install .` gives a working engage: templates, static files, demo data and migrations ship
inside the package, so an install outside the checkout sets up a new database and serves its pages.

The install goes into a new virtualenv with `--no-deps --no-build-isolation` (no network): the
dependencies and the build backend come from the running environment's site-packages, added as a
plain path. A plain path in a .pth file is not itself scanned for .pth files, so an editable engage
installed there is not seen, and only the freshly built copy can answer.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STYLESHEET = re.compile(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"')

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _source_copy(dest: Path) -> Path:
    """The files a source distribution would hold, so the build leaves the checkout untouched."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "engage", dest / "engage", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A new virtualenv outside the checkout with engage built and installed into it: its python."""
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "running_environment.pth").write_text(sysconfig.get_path("purelib") + "\n")
    source = _source_copy(base / "source")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(source)], check=True, cwd=base, env=_env(base))
    shutil.rmtree(source)  # nothing of the source tree may be needed from here on
    return python


def _env(workdir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "DATABASE_URL", "FLASK_APP", "ENGAGE_ENV"} and not k.startswith("MAIL_")}
    env.update(PYTHONNOUSERSITE="1", HOME=str(workdir), **extra)
    return env


def test_the_installed_package_is_the_one_imported(installed, tmp_path):
    where = subprocess.run([str(installed), "-c", "import engage; print(engage.__file__)"], check=True,
                           capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path)).stdout.strip()
    assert Path(where).is_relative_to(installed.parent.parent), where
    package = Path(where).parent
    for path in ("templates/auth/login.html", "static/engage.css", "static/vendor/tom-select/tom-select.popular.min.js",
                 "demo/data/diplomatic_missions_nairobi_geneva.csv",
                 "migrations/env.py", "migrations/alembic.ini",
                 "translations/fr/LC_MESSAGES/messages.mo", "translations/es/LC_MESSAGES/messages.mo"):
        assert (package / path).is_file(), path
    assert list((package / "migrations" / "versions").glob("*.py"))


def test_an_installed_engage_sets_up_a_new_sqlite_database_and_serves_sign_in_with_its_css(installed, tmp_path):
    from cryptography.fernet import Fernet

    env = _env(tmp_path, ENGAGE_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'engage.sqlite'}",
               SECRET_KEY="packaging-test-not-secret", ENGAGE_DATA_KEY=Fernet.generate_key().decode())
    flask = [str(installed), "-m", "flask", "--app", "engage", "engage"]
    setup = subprocess.run([*flask, "setup"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "First admin account" in setup.stdout

    port = _free_port()
    server = subprocess.Popen([*flask, "serve", "--no-scheduler", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # up to a minute for the process to import and listen
            if server.poll() is not None:
                pytest.fail(f"the server stopped: {server.stdout.read()}")
            try:
                status, _, body = _get(base + "/login")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server never answered")
        assert status == 200
        stylesheets = STYLESHEET.findall(body.decode())
        assert any(href.endswith("/static/engage.css") for href in stylesheets), stylesheets
        for href in stylesheets:
            status, content_type, css = _get(base + href)
            assert (status, content_type.split(";")[0]) == (200, "text/css"), href
            assert css.strip(), href
    finally:
        server.terminate()
        server.wait(timeout=10)
