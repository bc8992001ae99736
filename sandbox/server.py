"""The sandbox marketplace's HTTP server: threaded, HTTP/1.1 keep-alive, one port for every shop and API."""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from sandbox import app
from sandbox.credentials import DEFAULT_SECRET
from sandbox.state import SandboxState
from sandbox.wire import Request, Response, json_response

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 40 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-marketplace/1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 300  # an idle keep-alive connection is dropped after this

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args) -> None:
        return

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                try:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            response = Response(400, body=b"bad or too large request body", content_type="text/plain")
            self.close_connection = True
        else:
            request = Request(self.command, split.path, split.query, self.headers, body)
            try:
                response = app.handle(self.server.state, request)
            except Exception:
                logger.exception("sandbox handler failed for %s %s", self.command, split.path)
                response = json_response(500, {"detail": "sandbox internal error", "code": "internal"})
        self._write(response)

    def _write(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            # Headers and body in one write: no Nagle/delayed-ACK stall on keep-alive connections.
            self._headers_buffer.append(b"\r\n")
            if self.command != "HEAD":
                self._headers_buffer.append(response.body)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. an injected timeout)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """`SandboxServer(host, port, seed).start()`; `.url`, `.state`, `.stop()`. Port 0 picks a free one."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        *,
        secret: str | None = None,
        epoch: float | None = None,
        traffic_interval: float | None = None,
        latency_ms: int = 0,
        moderation: dict | None = None,
    ) -> None:
        self.state = SandboxState(
            seed=seed, secret=secret or DEFAULT_SECRET, epoch=epoch, base_latency_ms=latency_ms, moderation=moderation
        )
        self._httpd = _HTTPServer((host, port), self.state)
        self.host, self.port = self._httpd.server_address[:2]
        self.traffic_interval = traffic_interval
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def secret(self) -> str:
        return self.state.secret

    def start(self) -> SandboxServer:
        thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox-http", daemon=True)
        thread.start()
        self._threads.append(thread)
        if self.traffic_interval:
            traffic = threading.Thread(target=self._traffic_loop, name="sandbox-traffic", daemon=True)
            traffic.start()
            self._threads.append(traffic)
        return self

    def serve_forever(self) -> None:
        """Foreground mode (the management command): returns after stop() or KeyboardInterrupt."""
        self.start()
        try:
            while not self.state.stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self.state.stop_event.set()  # wakes handlers sleeping for an injected fault
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _traffic_loop(self) -> None:
        rng = random.Random(self.state.seed)
        while not self.state.stop_event.wait(self.traffic_interval):
            with self.state.lock:
                shop_nos = list(self.state.shops)
            for shop_no in shop_nos:
                # One new buyer item per tick and shop: a shop's day, not a flood (`--traffic-interval`).
                kind = rng.choices(("reviews", "questions", "chats", "chat_messages"), weights=(4, 2, 1, 2))[0]
                self.state.add_traffic(shop_no, marketplace=rng.choice(("wb", "ozon")), **{kind: 1})
