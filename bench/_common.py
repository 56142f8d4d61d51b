"""Helpers shared by the benchmarks: a counting SMTP sink in its own process, PostgreSQL databases of
their own, the machine's description, and each benchmark's section of bench/RESULTS.md.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import platform
import re
import sys
import time
from email.parser import BytesHeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.smtp import free_port  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"


class _CountingHandler:
    """Counts what arrives; with a log file, also writes one line per message:
    `<wall-clock time received>\t<recipient>\t<Message-ID>\t<X-Engage-Kind or Subject>`."""

    def __init__(self, count, last_at, delay, log_path=None):
        self.count, self.last_at, self.delay = count, last_at, delay
        self.log = open(log_path, "a", buffering=1) if log_path else None  # noqa: SIM115 (lives as long as the sink)
        self.parser = BytesHeaderParser()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        received = time.time()
        if self.log is not None:
            headers = self.parser.parsebytes(envelope.original_content or envelope.content)
            subject = " ".join(str(headers.get("Subject", "")).split())
            self.log.write(f"{received:.6f}\t{','.join(envelope.rcpt_tos)}\t{headers.get('Message-ID', '')}\t"
                           f"{subject}\n")
        with self.count.get_lock():
            self.count.value += 1
        self.last_at.value = time.monotonic()
        return "250 2.0.0 Message accepted for delivery"


def _sink_main(port, count, last_at, ready, stop, delay, log_path) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_CountingHandler(count, last_at, delay, log_path), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SinkProcess:
    """aiosmtpd in its own process, like a real mail server: it does not share the sender's GIL.

    `delay` seconds before each answer to MAIL, RCPT and DATA stand in for a server across a network.
    With `log_path`, every message received is also logged there (see `_CountingHandler`).
    """

    def __init__(self, delay: float = 0.0, log_path: str | os.PathLike | None = None):
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.log_path = str(log_path) if log_path else None
        self.count = context.Value("i", 0)
        self.last_at = context.Value("d", 0.0)  # time.monotonic() is system-wide on Linux
        self.ready, self.stop_event = context.Event(), context.Event()
        self.process = context.Process(target=_sink_main, daemon=True,
                                       args=(self.port, self.count, self.last_at, self.ready, self.stop_event,
                                             delay, self.log_path))
        self.process.start()
        if not self.ready.wait(60):
            raise SystemExit("the SMTP sink did not start")

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value = 0

    def wait_for(self, count: int, timeout: float = 300) -> float:
        """The monotonic time the sink received its last expected message."""
        deadline = time.monotonic() + timeout
        while self.count.value < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"the sink got {self.count.value} of {count} messages")
            time.sleep(0.005)
        return self.last_at.value

    def received(self) -> list[tuple[float, str, str, str]]:
        """Every logged message so far: (time received, recipient, Message-ID, subject)."""
        if not self.log_path or not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as log:
            rows = [line.rstrip("\n").split("\t") for line in log if line.strip()]
        return [(float(at), rcpt, message_id, subject) for at, rcpt, message_id, subject in rows]

    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_TIMEOUT": 30}

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=10)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` when it does not exist yet."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database named in `url` (a benchmark's own), if it exists."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def database_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite (file)"


def machine() -> str:
    """'2 CPU(s), Python 3.11.7, Linux'."""
    return f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, {platform.system()}"


def write_section(title: str, section: str) -> None:
    """Replace the section that starts with `title` in bench/RESULTS.md (or append it)."""
    content = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(content):
        content = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", content).rstrip("\n") + "\n"
    else:
        content = content.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    RESULTS.write_text(content)
