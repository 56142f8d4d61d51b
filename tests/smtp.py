"""A real SMTP server on loopback for tests and benchmarks (aiosmtpd), and a server that never answers."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nobody listens on (aiosmtpd 1.4.6's Controller(port=0) cannot pick one itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One message as the server took it in."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    received_at: float = field(default_factory=time.perf_counter)

    @property
    def message(self):
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server
        self.held_sessions: set[int] = set()
        self.gate: asyncio.Event | None = None

    async def _hold(self, session) -> None:
        """Keep each connection's first message waiting until enough connections are sending at once."""
        wanted = self.server.hold_until_sessions
        if not wanted or id(session) in self.held_sessions:
            return
        self.held_sessions.add(id(session))
        if self.gate is None:
            self.gate = asyncio.Event()
        if len(self.held_sessions) >= wanted:
            self.gate.set()
        try:
            await asyncio.wait_for(self.gate.wait(), timeout=30)
        except asyncio.TimeoutError:
            pass

    async def handle_MAIL(self, smtp, session, envelope, address, mail_options):
        if self.server.temporary_failure:
            return self.server.temporary_failure
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        refusal = self.server.refused.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        await self._hold(session)
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        with self.server.lock:
            self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(raw)))
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 that records what it receives and can be told to misbehave.

    - `refuse(address)`: answer RCPT for that address with a permanent 550;
    - `temporary_failure = "451 …"`: answer every MAIL FROM with that temporary error;
    - `delay`: seconds to wait inside DATA (to catch a client mid-batch);
    - `hold_until_sessions = n`: keep each connection's first message until n connections are
      sending at once (to prove two clients really overlap);
    - `stop()` / `start()`: go down and come back on the same port.
    """

    def __init__(self, port: int | None = None):
        self._chosen_port = port is None  # ours to change should another process take it first
        self.port = port or free_port()
        self.messages: list[Received] = []
        self.refused: dict[str, str] = {}
        self.temporary_failure: str | None = None
        self.delay = 0.0
        self.hold_until_sessions = 0
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def start(self) -> "SmtpServer":
        for attempt in range(5):
            controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
            try:
                controller.start()
                break
            except OSError:
                # free_port() gives the port back before aiosmtpd binds it: a test in another
                # process (pytest-xdist, other runs) may take it in between. Until the first start
                # the port is only a choice, so choose again; after it, restarts keep their port.
                if not self._chosen_port or attempt == 4:
                    raise
                self.port = free_port()
        self._chosen_port = False
        self.controller = controller
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def running(self) -> bool:
        return self.controller is not None

    def refuse(self, address: str, reply: str = "550 5.1.1 No such mailbox here") -> None:
        self.refused[address.lower()] = reply

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for m in self.messages for r in m.rcpt_tos]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """Poll until at least `count` messages arrived, or the bounded deadline passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= count:
                return True
            time.sleep(0.01)
        return self.count() >= count

    def config(self, **extra) -> dict:
        """App config values that point a dispatcher at this server."""
        values = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                  "MAIL_USE_SSL": False, "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_TIMEOUT": 5}
        values.update(extra)
        return values


class HungServer:
    """Accepts TCP connections and never says a word: the SMTP greeting never comes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._closing:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self._closing = True
        for conn in self.connections:
            conn.close()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=5)
