"""One SMTP connection per batch: connect with a timeout, send stored bytes, say how each send went."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from engage.mime import ascii_mailbox

SENT, TEMPORARY, PERMANENT = "sent", "temporary", "permanent"


@dataclass(frozen=True)
class Outcome:
    """What happened to one message: sent, a temporary failure (retry later) or a permanent one."""

    result: str
    error: str | None = None


def envelope_sender(config, raw: bytes) -> str:
    """The MAIL FROM address: MAIL_DEFAULT_SENDER's address, else the message's own From."""
    sender = config.get("MAIL_DEFAULT_SENDER")
    if isinstance(sender, (tuple, list)) and len(sender) == 2:
        sender = sender[1]
    address = parseaddr(sender or "")[1]
    if address:
        return address
    headers = BytesHeaderParser().parsebytes(raw)
    found = getaddresses(headers.get_all("From", []))
    return found[0][1] if found else ""


def _reason(code: int | None, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text or "").strip()
    return f"{code} {text}".strip() if code else text


def _classify(code: int | None, text) -> Outcome:
    # 5xx is the server saying "never"; everything else (4xx, odd codes) may work later.
    if code is not None and 500 <= code <= 599:
        return Outcome(PERMANENT, _reason(code, text))
    return Outcome(TEMPORARY, _reason(code, text))


class SmtpSession:
    """A lazily opened SMTP connection, reopened at most once after a drop within a batch."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.connect_error: str | None = None
        self.reconnects_left = 1

    def _open(self) -> smtplib.SMTP:
        config = self.config
        host = config["MAIL_SERVER"]
        use_ssl = bool(config.get("MAIL_USE_SSL"))
        port = int(config.get("MAIL_PORT") or (465 if use_ssl else 25))
        timeout = float(config.get("MAIL_TIMEOUT") or 30)
        # Built only when needed: loading the CA store costs tens of milliseconds per batch.
        context = ssl.create_default_context() if use_ssl or config.get("MAIL_USE_TLS") else None
        if use_ssl:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config.get("MAIL_USE_TLS") and not use_ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connect(self) -> bool:
        if self.smtp is not None:
            return True
        if self.connect_error is not None:
            return False
        try:
            self.smtp = self._open()
        except (OSError, smtplib.SMTPException) as exc:
            self.connect_error = (f"could not connect to {self.config['MAIL_SERVER']}:"
                                  f"{self.config.get('MAIL_PORT')}: {_describe(exc)}")
            return False
        return True

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None
        if self.reconnects_left > 0:
            self.reconnects_left -= 1
        else:
            self.connect_error = self.connect_error or "the connection dropped again"

    def begin(self, mail_from: str, recipient: str, size: int) -> Outcome | None:
        """MAIL FROM and RCPT TO for one message: None when the server will take it, else the outcome.

        Nothing is delivered yet, so the caller may still be recording the previous message.
        """
        try:
            recipient = ascii_mailbox(recipient)
        except ValueError as exc:  # no server could take it: fail it now, without a connection
            return Outcome(PERMANENT, str(exc))
        if not self._connect():
            return Outcome(TEMPORARY, self.connect_error)
        smtp = self.smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            options = [f"size={size}"] if smtp.does_esmtp and smtp.has_extn("size") else []
            code, text = smtp.mail(mail_from, options)
            if code != 250:
                return self._refused(code, text)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(code, text)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome(TEMPORARY, _describe(exc))
        return None

    def finish(self, raw: bytes) -> Outcome:
        """DATA: hand over `raw` unchanged; the server's answer says whether it took the message."""
        try:
            code, text = self.smtp.data(raw)
        except smtplib.SMTPResponseException as exc:  # refused DATA itself
            return self._refused(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnects and timeouts: the message may or may not have arrived; retrying is safe
            # because the bytes, and so the Message-ID, are the same.
            self._drop()
            return Outcome(TEMPORARY, _describe(exc))
        if code != 250:
            return self._refused(code, text)
        return Outcome(SENT)

    def send(self, mail_from: str, recipient: str, raw: bytes) -> Outcome:
        """Send `raw` unchanged to one recipient; never raises for SMTP or network trouble."""
        return self.begin(mail_from, recipient, len(raw)) or self.finish(raw)

    def _refused(self, code: int, text) -> Outcome:
        if code == 421:  # the server is closing this connection
            self._drop()
        else:
            try:
                self.smtp.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        return _classify(code, text)

    def close(self) -> None:
        """Say QUIT politely; a server that does not answer is simply dropped."""
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, TimeoutError) and not text:
        text = "timed out"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
