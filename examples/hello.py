"""A Python HTTP app on $PORT (default 8001) answering 'hello from python'."""
import http.server
import os
import signal
import sys


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from python (pid {os.getpid()})\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("python: " + fmt % args, flush=True)


port = int(os.environ.get("PORT", "8001"))
server = http.server.HTTPServer(("127.0.0.1", port), Hello)
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
print(f"python: listening on 127.0.0.1:{port}", flush=True)
server.serve_forever()
