"""reactor: an embeddable, single-threaded HTTP/1.1 server on `selectors`.

    import reactor

    class Hello(reactor.Handler):
        def get(self):
            return reactor.Response.text("Hello, World!")

    router = reactor.Router()
    router.add("/hello", Hello)
    server = reactor.Server(router, port=0).start()
    print(server.port)
    server.stop()

Standard library only.
"""

from .config import ServerConfig
from .connection import Connection, ConnState
from .errors import (
    FieldsTooLarge,
    HTTPError,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    ProtocolError,
)
from .loop import Loop, Timer
from .messages import FileBody, Headers, Request, Response
from .parser import END_OF_MESSAGE, NEED_DATA, Data, EndOfMessage, RequestParser
from .routing import Handler, Router
from .server import Server
from .static import StaticFiles, file_response, safe_join
from .streams import EventStream

__all__ = [
    "ConnState", "Connection", "Data", "END_OF_MESSAGE", "EndOfMessage",
    "EventStream", "FieldsTooLarge", "FileBody", "HTTPError", "Handler", "Headers", "Loop", "MalformedRequest", "MethodNotAllowed",
    "NEED_DATA", "NotFound", "ProtocolError", "Request", "RequestParser", "Response", "Router",
    "Server", "ServerConfig", "StaticFiles", "Timer", "file_response", "safe_join",
]
