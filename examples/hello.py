"""A Python HTTP app answering 'hello from python'.

- Listens on $HOST:$PORT (127.0.0.1:8001), or on the socket a supervisor
  hands over by systemd socket activation (LISTEN_FDS=1, fd 3).
- Writes an access log of its own to $ACCESS_LOG, and reopens it on
  SIGUSR2, so it can be rotated with
      mv access.log access.log.1 && pm2 sendSignal SIGUSR2 api
  (the way nginx reopens on USR1): no line is lost, none lands in the
  old file after the signal.
"""
import http.server
import os
import signal
import socket
import sys

access_log = None


def reopen_access_log(*_):
    global access_log
    path = os.environ.get("ACCESS_LOG")
    if not path:
        return
    old = access_log
    access_log = open(path, "a", buffering=1)
    if old:
        old.close()
    print(f"python: access log {path} (re)opened", flush=True)


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from python (pid {os.getpid()})\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        if access_log:
            access_log.write(f"{self.address_string()} {fmt % args}\n")


class Server(http.server.HTTPServer):
    def __init__(self):
        if os.environ.get("LISTEN_FDS") == "1" and os.environ.get("LISTEN_PID") == str(os.getpid()):
            super().__init__(None, Hello, bind_and_activate=False)
            self.socket = socket.socket(fileno=3)
        else:
            addr = (os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8001")))
            super().__init__(addr, Hello)


reopen_access_log()
signal.signal(signal.SIGUSR2, reopen_access_log)
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
server = Server()
host, port = server.socket.getsockname()[:2]
print(f"python: listening on {host}:{port}", flush=True)
server.serve_forever()
