#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A raw NBD client for suite_nbd.sh: the requests libnbd's tools will not
send (lies, garbage, half a write, writes to a read-only export), written
from the protocol (NetworkBlockDevice/nbd doc/proto.md). Exit 0 when the
server behaved as the case expects, 1 (with a line why) otherwise.

  nbd_client.py SOCKET CASE [ARGS]
    write OFF LEN BYTE   write LEN bytes of BYTE at OFF, flush, disconnect
    expect OFF LEN BYTE  read them back and compare
    partial OFF LEN BYTE send a write header and half its data, then stop
                         (the test kills this process)
    garbage              after the handshake, bytes that are no request
    lies                 oversized and out-of-range requests
    readonly             writes, trims and zeroes on a read-only export
    name NAME            ask for export NAME (refused unless "")
    busy                 expect the "too many clients" refusal
"""
import os
import socket
import struct
import sys
import time

IHAVEOPT = 0x49484156454f5054
REQ_MAGIC = 0x25609513
REPLY_MAGIC = 0x67446698
OPT_GO = 7
READ, WRITE, DISC, FLUSH, TRIM, ZEROES, BLOCK_STATUS = 0, 1, 2, 3, 4, 6, 7
EPERM, EINVAL, EOVERFLOW = 1, 22, 75


def die(msg):
    print(msg)
    sys.exit(1)


def recvn(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError('connection closed')
        b += c
    return b


def go(s, name=b''):
    """Returns the reply type of the last option reply."""
    if recvn(s, 18)[:8] != b'NBDMAGIC':
        die('no NBDMAGIC')
    s.sendall(struct.pack('>I', 3))
    data = struct.pack('>I', len(name)) + name + struct.pack('>H', 0)
    s.sendall(struct.pack('>QII', IHAVEOPT, OPT_GO, len(data)) + data)
    while True:
        _, _, rtype, rlen = struct.unpack('>QIII', recvn(s, 20))
        body = recvn(s, rlen)
        if rtype != 3:		# not NBD_REP_INFO: ACK or an error
            return rtype, body


def connect(path, name=b''):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    rtype, body = go(s, name)
    if rtype != 1:
        die('GO refused: 0x%x %r' % (rtype, body))
    return s


def request(s, cmd, off, length, data=b'', flags=0, cookie=7):
    s.sendall(struct.pack('>IHHQQI', REQ_MAGIC, flags, cmd, cookie, off,
                          length) + data)


def reply(s, length=0):
    magic, err, cookie = struct.unpack('>IIQ', recvn(s, 16))
    if magic != REPLY_MAGIC:
        die('bad reply magic 0x%x' % magic)
    return err, (recvn(s, length) if not err else b'')


def case_write(s, off, length, byte):
    request(s, WRITE, off, length, bytes([byte]) * length)
    if reply(s)[0]:
        die('write failed')
    request(s, FLUSH, 0, 0)
    if reply(s)[0]:
        die('flush failed')
    request(s, DISC, 0, 0)


def case_expect(s, off, length, byte):
    request(s, READ, off, length)
    err, data = reply(s, length)
    if err or data != bytes([byte]) * length:
        die('read at %d: error %d or data differs' % (off, err))


def case_partial(s, off, length, byte):
    request(s, WRITE, off, length, bytes([byte]) * (length // 2))
    time.sleep(60)


def closed(s):
    try:
        s.settimeout(10)
        return s.recv(100) == b''
    except (ConnectionResetError, BrokenPipeError):
        return True


def case_garbage(s):
    s.sendall(b'this is not an NBD request, not at all.' * 4)
    if not closed(s):
        die('garbage did not close the connection')


def case_lies(s):
    checks = [((READ, 0, 64 << 20), (EINVAL, EOVERFLOW)),
              ((READ, 1 << 50, 512), (EINVAL,)),
              ((BLOCK_STATUS, 0, 512), (EINVAL,)),
              ((99, 0, 512), (EINVAL,))]
    for (cmd, off, length), want in checks:
        request(s, cmd, off, length)
        err, _ = reply(s)
        if err not in want:
            die('cmd %d len %d: error %d, want %s' % (cmd, length, err, want))
    request(s, READ, 0, 512)
    if reply(s, 512)[0]:
        die('the connection did not survive the errors')
    request(s, WRITE, 0, 1 << 30)	# a gigabyte announced, none sent
    if not closed(s):
        die('a 1 GiB write was not refused')


def case_readonly(s):
    for cmd, data in ((WRITE, b'x' * 4096), (TRIM, b''), (ZEROES, b'')):
        request(s, cmd, 0, 4096, data)
        err, _ = reply(s)
        if err != EPERM:
            die('cmd %d on a read-only export: error %d, want EPERM' %
                (cmd, err))
    request(s, READ, 0, 4096)
    if reply(s, 4096)[0]:
        die('read on a read-only export failed')


def main():
    path, case, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if case in ('name', 'busy'):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        rtype, body = go(s, args[0].encode() if args else b'')
        want = 0x80000006 if case == 'name' else 0x80000002
        if rtype != want:
            die('GO: 0x%x %r, want 0x%x' % (rtype, body, want))
        print(body.decode(errors='replace'))
        return
    s = connect(path)
    nums = [int(a, 0) for a in args]
    {'write': case_write, 'expect': case_expect, 'partial': case_partial,
     'garbage': case_garbage, 'lies': case_lies,
     'readonly': case_readonly}[case](s, *nums)


if __name__ == '__main__':
    try:
        main()
    except (EOFError, ConnectionError) as e:
        die('connection: %s' % e)
    os._exit(0)
