#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# fleet_http.py — the HTTP servers of the fleet tests (tests/fleet_test.py), on a loopback port:
#
#   fleet_http.py serve DIR PORTFILE [CERT KEY]   a static server for DIR (Python's http.server, with
#                                                  Range requests, which http.server lacks); https with
#                                                  CERT and KEY
#   fleet_http.py proxy UPSTREAM PORTFILE LOG     a misbehaving mirror in front of UPSTREAM: the first
#                                                  path segment picks the misbehaviour (ok, truncate,
#                                                  corrupt, corruptindex, big, stall, drip, drop, slow,
#                                                  redirect); every request line and Range goes to LOG
#
# Each writes its port to PORTFILE once it listens, and serves until killed.
import http.server
import os
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


class Static(Quiet):
    root = "."

    def do_GET(self):
        path = os.path.normpath(os.path.join(self.root, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(os.path.abspath(self.root)) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


class Mirror(Quiet):
    upstream = ""
    log = None
    lock = threading.Lock()

    def note(self, text):
        with self.lock:
            self.log.write(text + "\n")
            self.log.flush()

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        mode, rest = parts[0], parts[1] if len(parts) > 1 else ""
        rng = self.headers.get("Range")
        self.note("GET %s %s" % (self.path, "Range: " + rng if rng else ""))
        url = self.upstream.rstrip("/") + "/" + rest
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", url)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        req = urllib.request.Request(url, headers={"Range": rng} if rng else {})
        try:
            with urllib.request.urlopen(req) as r:
                status, body = r.status, r.read()
                crange = r.headers.get("Content-Range")
        except urllib.error.HTTPError as e:
            self.send_error(e.code)
            return
        bundle = "/bundles/" in "/" + rest
        if bundle and mode == "truncate":
            body = body[: len(body) // 2]
        elif bundle and mode == "corrupt":
            body = body[:100] + bytes([body[100] ^ 1]) + body[101:]
        elif not bundle and mode == "corruptindex":
            body = body[:200] + bytes([body[200] ^ 1]) + body[201:]
        elif bundle and mode == "big":
            body = body + b"\0" * 4096
        self.send_response(status)
        if crange and mode != "truncate":
            self.send_header("Content-Range", crange)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if bundle and mode == "stall":
            self.wfile.write(body[:100])
            self.wfile.flush()
            time.sleep(60)
            return
        if bundle and mode == "drop" and not rng:
            # half the body, then the connection drops (the client must resume with a Range)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if bundle and mode == "drip":  # never idle for a second, but far too slow
            for i in range(0, len(body), 64):
                self.wfile.write(body[i : i + 64])
                self.wfile.flush()
                time.sleep(0.4)
            return
        if bundle and mode == "slow":
            for i in range(0, len(body), 2048):
                self.wfile.write(body[i : i + 2048])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that went away (the tests kill and time out clients on purpose)


def main():
    role = sys.argv[1]
    if role == "serve":
        Static.root = os.path.abspath(sys.argv[2])
        handler, portfile = Static, sys.argv[3]
    else:
        Mirror.upstream = sys.argv[2]
        Mirror.log = open(sys.argv[4], "a")
        handler, portfile = Mirror, sys.argv[3]
    srv = Server(("127.0.0.1", 0), handler)
    if role == "serve" and len(sys.argv) > 5:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
