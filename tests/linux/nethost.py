#!/usr/bin/env python3
"""Host side of the net scenario (tests/linux/scenarios/net.sh).

    nethost.py ADDR SIZE OUTDIR

Listens on ADDR:5001 and ADDR:5002, then writes OUTDIR/ready.
  5001: receives until the guest closes; writes OUTDIR/g2h, "BYTES SHA256".
  5002: sends SIZE random bytes and closes; writes OUTDIR/h2g, "BYTES
        SHA256" of what it sent.
Each connection must come within 600 s and end within 300 s; the process
exits when both are done (status 0) or on the first error (status 1, the
error on stderr).
"""
import hashlib
import os
import socket
import sys
import threading

CHUNK = 1 << 20
errors = []


def listen(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(600)
    return s


def accept(s):
    c, _ = s.accept()
    c.settimeout(300)
    s.close()
    return c


def result(path, nbytes, h):
    with open(path + ".tmp", "w") as f:
        f.write("%d %s\n" % (nbytes, h.hexdigest()))
    os.rename(path + ".tmp", path)


def sink(s, path):
    h, n = hashlib.sha256(), 0
    with accept(s) as c:
        while True:
            d = c.recv(CHUNK)
            if not d:
                break
            h.update(d)
            n += len(d)
    result(path, n, h)


def source(s, size, path):
    h, n = hashlib.sha256(), 0
    with accept(s) as c:
        while n < size:
            d = os.urandom(min(CHUNK, size - n))
            c.sendall(d)
            h.update(d)
            n += len(d)
        c.shutdown(socket.SHUT_WR)
    result(path, n, h)


def guarded(fn, *args):
    try:
        fn(*args)
    except Exception as e:  # reported, the main thread exits 1
        errors.append("%s: %s" % (fn.__name__, e))


def main():
    addr, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    a, b = listen(addr, 5001), listen(addr, 5002)
    threads = [threading.Thread(target=guarded, args=(sink, a, out + "/g2h")),
               threading.Thread(target=guarded,
                                args=(source, b, size, out + "/h2g"))]
    open(out + "/ready", "w").close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        print("nethost: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
