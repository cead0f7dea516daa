#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Corrupt a qcow2 image the way suite_img.sh needs, reading the tables
the spec describes (all big-endian). Usage: qcow2_poke.py IMAGE CASE [SEED]

  leak      refcount 1 on a cluster appended past the end, unreferenced
  rc0       refcount 0 under the live L2 entry of guest cluster 0
  eof       L2 entry of guest cluster 1 points past the end of the file
  l1ovl     L1 entry 1 points at the refcount table (needs 2 L1 entries)
  rbfar     refcount table entry 0 points 1 TiB past the end of the file
  flips N   flip one bit in N random 8-byte words after cluster 0
  dirty     set the dirty bit (incompatible feature bit 0)
  gt_eof    (a monolithicSparse VMDK) grain table entry 0 past the end
  capacity  (a monolithicSparse VMDK) capacity of 2^46 sectors
"""
import os
import random
import struct
import sys


def u64(f, off):
    f.seek(off)
    return struct.unpack('>Q', f.read(8))[0]


def put(f, off, fmt, val):
    f.seek(off)
    f.write(struct.pack(fmt, val))


def main():
    path, case = sys.argv[1], sys.argv[2]
    with open(path, 'r+b') as f:
        hdr = f.read(104)
        cs = 1 << struct.unpack('>I', hdr[20:24])[0]
        l1 = struct.unpack('>Q', hdr[40:48])[0]
        rt = struct.unpack('>Q', hdr[48:56])[0]
        mask = 0x00fffffffffffe00
        rb = u64(f, rt)
        if case == 'leak':
            end = os.path.getsize(path)
            f.seek(end)
            f.write(b'\0' * cs)
            put(f, rb + 2 * (end // cs), '>H', 1)
        elif case == 'rc0':
            data = u64(f, u64(f, l1) & mask) & mask
            put(f, rb + 2 * (data // cs), '>H', 0)
        elif case == 'eof':
            put(f, (u64(f, l1) & mask) + 8, '>Q', (1 << 63) | 0x7f000000)
        elif case == 'l1ovl':
            put(f, l1 + 8, '>Q', (1 << 63) | rt)
        elif case == 'rbfar':
            put(f, rt, '>Q', 1 << 40)
        elif case == 'flips':
            rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
            size = os.path.getsize(path)
            for _ in range(int(sys.argv[3])):
                off = rnd.randrange(min(cs, size // 2), size) // 8 * 8
                f.seek(off)
                w = bytearray(f.read(8))
                w[rnd.randrange(8)] ^= 1 << rnd.randrange(8)
                f.seek(off)
                f.write(w)
        elif case == 'dirty':
            put(f, 72, '>Q', 1)
        else:
            sys.exit('unknown case ' + case)


def vmdk(path, case):
    with open(path, 'r+b') as f:
        h = f.read(512)
        gd = struct.unpack('<Q', h[56:64])[0] * 512
        f.seek(gd)
        gt = struct.unpack('<I', f.read(4))[0] * 512
        if case == 'gt_eof':
            f.seek(gt)
            f.write(struct.pack('<I', 0x7ffffff0))
        elif case == 'capacity':
            f.seek(12)
            f.write(struct.pack('<Q', 1 << 46))


if __name__ == '__main__':
    if sys.argv[2] in ('gt_eof', 'capacity'):
        vmdk(sys.argv[1], sys.argv[2])
    else:
        main()
