#!/usr/bin/env python3
"""Copy an ELF64 kernel with its PVH entry note (Xen, type 18) disabled.

squeeze prefers the PVH entry when an ELF has one; Debian's vmlinux does.
The copy makes squeeze use the plain ELF 64-bit entry of the same kernel,
so both entry paths are tested on the real thing.
Usage: strip_pvh_note.py IN OUT   (exit 1 if no such note was found)
"""
import struct
import sys

PT_NOTE = 4
XEN_ELFNOTE_PHYS32_ENTRY = 18


def main():
    data = bytearray(open(sys.argv[1], 'rb').read())
    if data[:4] != b'\x7fELF' or data[4] != 2:
        sys.exit('not an ELF64 file')
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    found = 0
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            '<IIQQQQ', data, phoff + i * phentsize)
        if p_type != PT_NOTE:
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', data, off)
            name = bytes(data[off + 12:off + 12 + namesz])
            if name.rstrip(b'\0') == b'Xen' and \
               ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                struct.pack_into('<I', data, off + 8, 0x7fff)
                found += 1
            off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    if not found:
        sys.exit('no PVH entry note found')
    open(sys.argv[2], 'wb').write(data)


if __name__ == '__main__':
    main()
