"""A gthread worker that hands a connection to a thread only once a whole request has arrived.

gunicorn's gthread worker gives a connection to a thread as soon as a byte arrives; the thread
then blocks until the client sends the rest, so a few clients that stall mid-request hold every
thread. Here the worker's main loop reads each request without blocking, closes connections whose
request is not complete within READ_TIMEOUT seconds, and only then lets a thread parse it from
memory. A thread's socket also gives up on a stalled read or write after IO_TIMEOUT seconds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import selectors
import socket
import struct
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

# Seconds a client has to send a whole request (headers and body), from its connection or its first byte.
READ_TIMEOUT = float(os.environ.get("GUNICORN_READ_TIMEOUT", "10"))
# Seconds a thread waits on one blocked read or write before it drops the connection.
IO_TIMEOUT = float(os.environ.get("GUNICORN_IO_TIMEOUT", "10"))
# Requests larger than this go to a thread as they are; the app refuses them by size (413).
MAX_BUFFERED = int(os.environ.get("GUNICORN_MAX_BUFFERED_BYTES", str(4 * 1024 * 1024)))
MAX_HEADER_BYTES = 64 * 1024
RECV_BYTES = 256 * 1024
_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*([^\r]*)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:[^\r]*chunked", re.IGNORECASE)
_EXPECT_CONTINUE = re.compile(rb"\r\nexpect[ \t]*:[ \t]*100-continue[ \t]*(?=\r\n)", re.IGNORECASE)
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def request_end(data: bytes | bytearray) -> int | None:
    """Where the first request in `data` ends, None while it is incomplete, or -1 for "let the parser judge"."""
    head_end = data.find(_HEADER_END)
    if head_end < 0:
        return -1 if len(data) > MAX_HEADER_BYTES else None
    head = bytes(data[:head_end + 2])
    body_start = head_end + 4
    if _CHUNKED.search(head):
        return chunked_end(data, body_start)
    lengths = _CONTENT_LENGTH.findall(head)
    if not lengths:
        return body_start
    if len(lengths) > 1 or not lengths[0].strip().isdigit():
        return -1  # gunicorn refuses it with 400
    end = body_start + int(lengths[0])
    if end > MAX_BUFFERED:
        return -1
    return end if len(data) >= end else None


def chunked_end(data: bytes | bytearray, position: int) -> int | None:
    """Where a chunked body starting at `position` ends (trailers included), None or -1 as request_end."""
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return -1 if len(data) - position > 1024 else None
        try:
            size = int(bytes(data[position:line_end]).split(b";")[0].strip(), 16)
        except ValueError:
            return -1  # broken framing: the app answers 400
        if size < 0 or line_end + size > MAX_BUFFERED:
            return -1
        if size == 0:
            if data[line_end + 2:line_end + 4] == b"\r\n":
                return line_end + 4
            trailers_end = data.find(_HEADER_END, line_end)
            return trailers_end + 4 if trailers_end >= 0 else None
        data_end = line_end + 2 + size
        if data_end + 2 > len(data):
            return None
        if data[data_end:data_end + 2] != b"\r\n":
            return -1  # a chunk longer than its size line says
        position = data_end + 2


def _set_io_timeout(sock: socket.socket) -> None:
    """Kernel timeouts for blocking reads and writes; Python's own timeout is reset by setblocking."""
    seconds = int(IO_TIMEOUT)
    value = struct.pack("ll", seconds, int((IO_TIMEOUT - seconds) * 1e6))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


class BufferingWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gthread, with each request read in the main loop before a thread sees it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stalled_closed = 0

    def accept(self, listener: socket.socket) -> None:
        if self.cfg.is_ssl:  # TLS is read by the thread; deployments put TLS in a proxy
            super().accept(listener)
            return
        try:
            client, address = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as error:
            if error.errno not in (errno.EMFILE, errno.ENFILE):
                raise
            self.log.warning("Out of file descriptors: a connection waits in the listen queue.")
            time.sleep(0.05)  # the listener stays readable; do not spin on it
            return
        self.nr_conns += 1
        _set_io_timeout(client)
        conn = TConn(self.cfg, client, address, listener.getsockname())
        conn.received = bytearray()
        self._wait_for_request(conn)

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection has a new request coming: read it here first."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.received = bytearray()
        conn.timeout = time.monotonic() + READ_TIMEOUT
        if not self._read(conn):
            self.pending_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _wait_for_request(self, conn: TConn) -> None:
        conn.timeout = time.monotonic() + READ_TIMEOUT
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: TConn, client: socket.socket) -> None:
        if self._read(conn):
            self.poller.unregister(client)
            self.pending_conns.remove(conn)

    def _read(self, conn: TConn) -> bool:
        """Read what the client sent; True once the connection has left the main loop (handed on or closed)."""
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        if not data:
            self.nr_conns -= 1
            conn.close()
            return True
        conn.received += data
        end = request_end(conn.received)
        if end is None:
            self._answer_expect_continue(conn)
            return False
        conn.pending_bytes = bytes(conn.received)
        conn.received = bytearray()
        conn.data_ready = True
        self.enqueue_req(conn)
        return True

    def _answer_expect_continue(self, conn: TConn) -> None:
        """A client that waits for 100 Continue gets it here, and the thread does not send another."""
        head_end = conn.received.find(_HEADER_END)
        if head_end < 0:
            return
        head = bytes(conn.received[:head_end + 2])
        without = _EXPECT_CONTINUE.sub(b"", head)
        if without != head:
            conn.received[:head_end + 2] = without
            with contextlib.suppress(OSError):
                conn.sock.send(_CONTINUE)

    def handle(self, conn: TConn) -> Any:
        pending = getattr(conn, "pending_bytes", None)
        if pending:
            conn.pending_bytes = None
            conn.init()
            conn.parser.unreader.unread(pending)
        return super().handle(conn)

    def murder_pending(self) -> None:
        """Close connections whose request did not arrive in time; say how many had started one."""
        now = time.monotonic()
        started = 0
        while self.pending_conns and self.pending_conns[0].timeout <= now:
            conn = self.pending_conns.popleft()
            with contextlib.suppress(OSError, KeyError, ValueError):
                self.poller.unregister(conn.sock)
            started += bool(getattr(conn, "received", b""))
            self.nr_conns -= 1
            conn.close()
        if started:
            self.stalled_closed += started
            self.log.warning("Closed %d connection(s) that sent part of a request but not all of it within %.0f s "
                             "(%d in this worker so far).", started, READ_TIMEOUT, self.stalled_closed)
