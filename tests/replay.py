"""A real local HTTP server that replays recorded responses and injects faults, for end-to-end tests.

    with ReplayServer() as server:
        server.route("/v1/boards/acme/jobs", Reply.file("greenhouse/anthropic.json"))
        server.route("/flaky", Reply(status=500), Reply.file("lever/spotify.json"))  # 500, then 200 forever
        config = {"api": {"greenhouse": server.url}}

Routes match on method and path; `query` narrows a route to requests carrying those parameters. A route
with several replies plays them in order and then repeats the last. `server.requests` lists what came in.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a read timeout when longer than the client's)
    fault: str = ""  # "" | "reset" (half the body, then close) | "truncate" (short body) | "close" (no answer)
    drip: float = 0.0  # seconds between pieces of the body (a slow server)
    piece: int = 65536  # bytes per dripped piece (1: a byte at a time)

    @classmethod
    def file(cls, name: str, status: int = 200, content_type: str = "application/json", **kw: Any) -> Reply:
        return cls(status, fixture_bytes(name), {"Content-Type": content_type, **kw.pop("headers", {})}, **kw)

    @classmethod
    def json(cls, data: Any, status: int = 200, **kw: Any) -> Reply:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json"}, **kw)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain", **kw: Any) -> Reply:
        return cls(status, text.encode(), {"Content-Type": content_type}, **kw)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Route:
    method: str
    path: str
    query: Mapping[str, str]
    replies: list[Reply]
    served: int = 0

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        return (self.method == method and self.path == path
                and all(query.get(k) == [v] for k, v in self.query.items()))

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # a client hanging up is what some tests do


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # a short poll interval: shutdown() waits for it, and every test using the server pays it once
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, path: str, *replies: Reply, method: str = "GET", query: Mapping[str, str] | None = None) -> None:
        """Serve `replies` in order for requests to `path` (then repeat the last); newer routes win."""
        with self.lock:
            self.routes.insert(0, _Route(method, path, dict(query or {}), list(replies) or [Reply()]))

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def _answer(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        with self.lock:
            for route in self.routes:
                if route.matches(method, path, query):
                    return route.next_reply()
        return Reply(404, b'{"error":"no such route in the replay server"}', {"Content-Type": "application/json"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(parts.query, keep_blank_values=True)
                with server.lock:
                    server.requests.append(Seen(method, parts.path, query, dict(self.headers), body))
                reply = server._answer(method, parts.path, query)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.fault == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.fault in ("reset", "truncate"):
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if not reply.drip:
                    self.wfile.write(reply.body)
                    return
                for start in range(0, len(reply.body), reply.piece):
                    self.wfile.write(reply.body[start:start + reply.piece])
                    self.wfile.flush()
                    time.sleep(reply.drip)

        return Handler
