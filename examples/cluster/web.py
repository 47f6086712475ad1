#!/usr/bin/env python3
"""A Python HTTP app for cluster mode, the way any language can do it.

- The listening socket comes from the supervisor as fd 3 (systemd socket
  activation: LISTEN_FDS, LISTEN_PID); every worker of the app shares it,
  so a rolling reload never closes it. Without LISTEN_FDS the app binds
  127.0.0.1:$PORT itself (plain fork mode).
- It says READY=1 on $NOTIFY_SOCKET once it serves (with wait_ready, pm2
  keeps the worker "launching" until then).
- SIGINT/SIGTERM: it finishes the request in hand and exits; the requests
  still queued on the shared socket are served by the other workers.
"""
import http.server
import os
import selectors
import signal
import socket
import socketserver


def listen_socket():
    if os.environ.get("LISTEN_PID") == str(os.getpid()) and int(os.environ.get("LISTEN_FDS", "0")) > 0:
        sock = socket.socket(fileno=3)
        # Shared with the other workers: a connection another worker took
        # first must not block this one in accept().
        sock.setblocking(False)
        return sock
    return socket.create_server(("127.0.0.1", int(os.environ.get("PORT", "8081"))))


def sd_notify(state):
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(addr)
        s.sendall(state.encode())


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"pid {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(http.server.HTTPServer):
    def __init__(self, sock):
        socketserver.BaseServer.__init__(self, sock.getsockname(), Hello)
        self.socket = sock


def main():
    server = Server(listen_socket())
    stop_r, stop_w = os.pipe()
    os.set_blocking(stop_w, False)
    signal.set_wakeup_fd(stop_w)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(server.socket, selectors.EVENT_READ)
    sel.register(stop_r, selectors.EVENT_READ)
    sd_notify("READY=1")
    print(f"python worker {os.getpid()} serving", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj == stop_r:
                print(f"python worker {os.getpid()} stopping", flush=True)
                return
            server.handle_request()


if __name__ == "__main__":
    main()
