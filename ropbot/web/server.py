"""The web page over HTTP, with tornado.

Why tornado: python-telegram-bot[webhooks] already installs it and it runs on asyncio, so the
bot serves the page on its own event loop (ROPBOT_WEB_PORT) and `ropbot web` needs nothing new.
Handlers only parse parameters, call `api`, and add the security headers. Every visitor is
anonymous: no cookies, no identity, and the log names the route and status, never the query
string (it holds what someone typed) or the visitor's address.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from ..engine import Engine
from ..loop_thread import LoopThread
from ..privacy import error_where
from . import api

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = ("app.css", "app.js")
# The page's own files only: no inline script or style, nothing from elsewhere, and framing only
# by Telegram's web client (the Mini App runs in an iframe there; native clients use a web view).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self' https://web.telegram.org")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Bounded work per request: the API takes GET parameters only, so a body is never needed.
MAX_BODY = 4 * 1024
MAX_HEADERS = 16 * 1024
ENTRY_PATH = r"/([A-Za-z0-9][A-Za-z0-9._-]{0,63})"


class Secure(tornado.web.RequestHandler):
    """Security headers on every answer; errors logged as type and place, never with the URI."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.clear_header("Server")

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        # Tornado's own message quotes the request URI, and with it the query.
        if not isinstance(value, tornado.web.HTTPError):
            log.error("web request failed: %s", error_where(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish({"error": self._reason})


class Api(Secure):
    def initialize(self, engine: Engine) -> None:
        self.engine = engine

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")  # a query is nobody else's business, a proxy's neither
        self.finish(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


class Search(Api):
    def get(self) -> None:
        arg = self.get_argument
        try:
            data = api.search(self.engine, arg("q", ""), api.parse_audience(arg("audience", None)),
                              arg("chapter", "") or None, arg("service", "") or None,
                              api.parse_limit(arg("limit", None)))
        except api.BadRequest as exc:
            self.reply({"error": str(exc)}, 400)
            return
        self.reply(data)


class Entry(Api):
    def get(self, entry_id: str) -> None:
        data = api.entry(self.engine, entry_id)
        if data is None:
            self.reply({"error": "unknown entry"}, 404)
        else:
            self.reply(data)


class Meta(Api):
    def get(self) -> None:
        self.reply(api.meta(self.engine))


class Page(Secure):
    """The one HTML page, for / and for every deep link (/R69, /S8.3.2): the script routes."""

    def initialize(self, engine: Engine, html: bytes) -> None:
        self.engine = engine
        self.html = html

    def get(self, key: str | None = None) -> None:
        if key is not None:
            found = api.resolve(self.engine, key)
            if found is None:
                self.set_status(404)  # the page still loads and says it found nothing
            elif found != key:
                self.redirect("/" + found + (f"?{self.request.query}" if self.request.query else ""))
                return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(self.html)

    head = get


class Static(Secure, tornado.web.StaticFileHandler):
    """app.css and app.js; the page asks for them with ?v=<hash>, so they may be cached for long."""


class NoContent(Secure):
    def get(self) -> None:
        self.set_status(204)
        self.finish()


class NotFound(Secure):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """The route and the status only (see the module docstring)."""
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.ERROR
    log.log(level, "%s %s %d %.1f ms", handler.request.method, type(handler).__name__, status,
            1000 * handler.request.request_time())


def page_html() -> bytes:
    """index.html with each asset's address carrying a hash of its content, so a new release is
    never served with an old script from a cache."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for name in ASSETS:
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        html = html.replace(f'"/static/{name}"', f'"/static/{name}?v={digest}"')
    return html.encode("utf-8")


def make_app(engine: Engine) -> tornado.web.Application:
    page = {"engine": engine, "html": page_html()}
    routes: list[Any] = [
        (r"/api/search", Search, {"engine": engine}),
        (r"/api/entry/([^/]{1,64})", Entry, {"engine": engine}),
        (r"/api/meta", Meta, {"engine": engine}),
        (r"/static/(app\.css|app\.js)", Static, {"path": str(STATIC)}),
        (r"/favicon\.ico", NoContent),
        (r"/", Page, page),
        (ENTRY_PATH, Page, page),
    ]
    return tornado.web.Application(routes, default_handler_class=NotFound, compress_response=True,
                                   log_function=_log_request)


@dataclass
class Running:
    """A listening web server: where it listens and how to stop it."""

    server: tornado.httpserver.HTTPServer
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        self.server.stop()
        await self.server.close_all_connections()


def listen(engine: Engine, host: str, port: int) -> Running:
    """Start serving on the running event loop (port 0: a free one). Raises OSError when the
    address cannot be bound."""
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server = tornado.httpserver.HTTPServer(make_app(engine), max_body_size=MAX_BODY, max_header_size=MAX_HEADERS,
                                          idle_connection_timeout=60, body_timeout=10)
    server.add_sockets(sockets)
    return Running(server, host, sockets[0].getsockname()[1])


def serve(engine: Engine, host: str, port: int) -> int:
    """`ropbot web`: serve until interrupted."""

    async def main() -> None:
        running = listen(engine, host, port)
        log.info("web page on %s/", running.url)
        try:
            await asyncio.Event().wait()
        finally:
            await running.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    return 0


class BackgroundServer(LoopThread):
    """The page on a free loopback port, in a thread with its own event loop: for the tests and
    `ropbot bench --web`, which need a real HTTP server beside synchronous code."""

    def __init__(self, engine: Engine, host: str = "127.0.0.1") -> None:
        super().__init__("ropbot-web")
        self.engine = engine
        self.host = host
        self.running: Running | None = None

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    async def startup(self) -> None:
        self.running = listen(self.engine, self.host, 0)

    async def shutdown(self) -> None:
        if self.running is not None:
            await self.running.close()
