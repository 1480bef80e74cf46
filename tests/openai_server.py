"""A local OpenAI-compatible HTTP server on 127.0.0.1 for the tests and benchmarks that talk to a real endpoint
through the openai client (review, chat, batch). Subclasses say what the model answers (`reply`); this class
speaks the protocol and records what it was asked.

mode "script": 200 with the subclass's reply; "error": HTTP 500; "hang": no answer until the client gave up
(at most HANG_LIMIT_S), then 500. Every request is kept in `requests` ({"path", "body"}), the status of every
answer in `statuses`. `fail_first`: HTTP statuses answered, in order, to the first requests (e.g. 429 then 503),
with the header Retry-After: `retry_after` when it is given; `latency_s`: how long each scripted answer takes, so
that requests in flight at once can be seen (`max_in_flight`).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_LIMIT_S = 5.0  # a hanging handler answers (500) after this long at most, so no thread outlives the test
CHAT_PATH = "/v1/chat/completions"


class LocalOpenAIServer:
    def __init__(self, mode: str = "script", fail_first=(), retry_after: str | None = None, latency_s: float = 0.0):
        self.mode = mode
        self.fail_first, self.retry_after, self.latency_s = list(fail_first), retry_after, latency_s
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def reply(self, body: dict) -> dict:
        """The assistant message ({"content": ..., "tool_calls": [...]}) for one chat.completions request."""
        raise NotImplementedError

    @property
    def chat_requests(self) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == CHAT_PATH]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, path: str, body: dict, failure: int | None) -> tuple[int, dict, dict]:
        if failure is not None:
            headers = {"retry-after": self.retry_after} if self.retry_after is not None else {}
            return failure, {"error": {"message": "scripted overload", "type": "rate_limit"}}, headers
        if self.latency_s:
            self._stop.wait(self.latency_s)
        if self.mode == "hang":
            self._stop.wait(HANG_LIMIT_S)
        if self.mode in ("error", "hang") or path != CHAT_PATH:
            return 500, {"error": {"message": "scripted failure", "type": "server_error"}}, {}
        message = {"role": "assistant", "content": None, **self.reply(body)}
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                with server._lock:
                    server.requests.append({"path": self.path, "body": body})
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    failure = server.fail_first.pop(0) if server.fail_first else None
                try:
                    self._send(*server._answer(self.path, body, failure))
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, status: int, payload: dict, headers: dict):
                data = json.dumps(payload, ensure_ascii=False).encode()
                with server._lock:
                    server.statuses.append(status)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and closed the connection

        return Handler
