"""A real HTTP server on 127.0.0.1 that plays scripted responses and records every request.

Responses are scripted per path and served in order (the last one repeats), or computed by
a handler function. Besides ordinary answers it can misbehave the ways upstreams do: drop
the connection before answering, send half of the promised body, or answer too slowly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    truncate: bool = False  # promise the whole body, send half, close
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


Handler = Callable[[Request], Reply]


class FakeServer:
    def __init__(self):
        self.requests: list[Request] = []
        self._scripts: dict[str, list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                request = Request(parts.path, dict(parse_qsl(parts.query)), dict(self.headers))
                reply = server._next(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body[: len(reply.body) // 2] if reply.truncate else reply.body
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, path: str, *replies: Reply | Handler) -> None:
        if len(replies) == 1 and callable(replies[0]):
            self._scripts[path] = replies[0]
        else:
            self._scripts[path] = list(replies)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._scripts.get(request.path)
            if script is None:
                return Reply(404, b"not scripted")
            if callable(script):
                return script(request)
            return script.pop(0) if len(script) > 1 else script[0]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def oai_page_xml(records: list[dict], token: str | None, complete_size: int) -> bytes:
    """An arXiv OAI-PMH ListRecords page in the ``arXiv`` metadata format."""
    items = []
    for r in records:
        authors = "".join(
            f"<author><keyname>{escape(a.split()[-1])}</keyname>"
            f"<forenames>{escape(' '.join(a.split()[:-1]))}</forenames></author>"
            for a in r.get("authors", ["Ada Lovelace"])
        )
        items.append(
            "<record><header><identifier>oai:arXiv.org:{id}</identifier>"
            "<datestamp>2026-11-20</datestamp><setSpec>cs</setSpec></header><metadata>"
            '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>2026-11-19</created>'
            "<authors>{authors}</authors><title>{title}</title><categories>cs.LG</categories>"
            "<abstract>{abstract}</abstract></arXiv></metadata></record>".format(
                id=r["id"],
                authors=authors,
                title=escape(r.get("title", f"Paper {r['id']}")),
                abstract=escape(r.get("abstract", "An abstract.")),
            )
        )
    token_xml = (
        f'<resumptionToken cursor="0" completeListSize="{complete_size}">'
        f"{escape(token or '')}</resumptionToken>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2026-11-21T00:00:00Z</responseDate>"
        '<request verb="ListRecords">http://oaipmh.arxiv.org/oai</request>'
        f"<ListRecords>{''.join(items)}{token_xml}</ListRecords></OAI-PMH>"
    ).encode()
