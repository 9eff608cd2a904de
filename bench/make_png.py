"""Write a valid PNG of about SIZE bytes (noise does not compress), stdlib only.

    python3 bench/make_png.py OUT.png [--kib 16]
"""

import argparse
import os
import struct
import zlib


def png_bytes(width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + os.urandom(width * 4) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--kib", type=int, default=16)
    args = parser.parse_args()
    side = int((args.kib * 1024 / 4) ** 0.5)
    with open(args.out, "wb") as f:
        f.write(png_bytes(side, side))


if __name__ == "__main__":
    main()
