#!/usr/bin/env python3
"""Minimal HTTP sink for benchmarks: accepts one request per connection, reads its
Content-Length body into a reused buffer (discarded), answers 200, closes. Prints nothing.
Usage: http_sink.py PORT [CONNECTIONS]"""
import socket, sys
port = int(sys.argv[1]); count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(8)
buf = bytearray(1 << 20); mv = memoryview(buf)
for _ in range(count):
    c, _ = ls.accept()
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(65536)
    h, _, rest = head.partition(b"\r\n\r\n")
    hdrs = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in h.split(b"\r\n")[1:] if b":" in l}
    if hdrs.get(b"expect", b"").lower() == b"100-continue":
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    left = int(hdrs.get(b"content-length", b"0")) - len(rest)
    while left > 0:
        n = c.recv_into(mv, min(len(buf), left))
        if n == 0:
            break
        left -= n
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    c.close()
