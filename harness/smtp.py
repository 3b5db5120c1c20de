"""An aiosmtpd SMTP server on a free port that keeps every message it receives."""

import email
import email.policy
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from harness.ports import free_port


class _CaptureHandler:
    def __init__(self, owner: "CapturingSMTPServer"):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.owner.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.owner.on_message is not None:
            self.owner.on_message(message)  # before the 250: the client does not know yet
        with self.owner._arrived:
            self.owner.messages.append(message)
            self.owner.sessions.append(session.peer)
            self.owner._arrived.notify_all()
        return "250 OK"


class CapturingSMTPServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.sessions: list[tuple] = []  # the client address (one per SMTP session) of each message
        self.refused: set[str] = set()  # recipients answered with 550
        self.on_message: Callable[[EmailMessage], None] | None = None
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> "CapturingSMTPServer":
        handler = _CaptureHandler(self)
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Block until `count` messages have arrived (or fail after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} emails, got {len(self.messages)}")
                self._arrived.wait(remaining)
            return list(self.messages)

    def message_ids(self) -> list[str]:
        """The Message-ID of every message received, in order (a repeated one: sent twice)."""
        with self._arrived:
            return [message["Message-ID"] for message in self.messages]

    @staticmethod
    def text_of(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()
