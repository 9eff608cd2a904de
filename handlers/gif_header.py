"""Counting a GIF's frames and measuring its canvas from the block headers alone.

Pillow learns how many frames a GIF has by seeking through them, and each seek
decodes the frame and composites it onto the whole canvas: a 3 KB file with a
6000 x 6000 canvas and 150 one-pixel frames costs seconds of a core before any
limit can be checked. This walker reads only the block structure (GIF89a spec,
sections 17-27): the logical screen, each image descriptor's position and size,
and the lengths of the data sub-blocks it skips. No pixel is decoded.

The canvas is the logical screen widened to every frame's extent, because
Pillow grows the image to fit a frame that lies outside the screen.
"""

from __future__ import annotations

import dataclasses
import re
import struct

__all__ = ["GifShape", "read_gif_shape"]

_EXTENSION = 0x21
_IMAGE = 0x2C
_TRAILER = 0x3B
_BLOCK_START = re.compile(rb"[\x21\x2c\x3b]")


@dataclasses.dataclass(frozen=True)
class GifShape:
    """What the headers say: canvas width and height, and frames counted so far.

    `frames` stops growing at `stop_after` (the caller's limit plus one), so a
    file of 200,000 frames costs no more to refuse than one of 1,001.
    """

    width: int
    height: int
    frames: int

    @property
    def canvas_pixels(self) -> int:
        return self.width * self.height


def read_gif_shape(data: bytes, *, stop_after: int) -> GifShape | None:
    """The shape of the GIF in `data`, or None if it is not a GIF.

    A file cut short yields what was read up to that point (the decoder refuses
    it later). Bytes between blocks that start none are skipped, as Pillow skips
    them, so frames hidden after junk are counted too.
    """
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height, packed = struct.unpack_from("<HHB", data, 6)
    pos = 13 + _color_table_bytes(packed)
    frames = 0
    end = len(data)
    while pos < end and frames < stop_after:
        block = data[pos]
        if block == _IMAGE:
            if pos + 10 > end:
                break
            left, top, w, h, packed = struct.unpack_from("<HHHHB", data, pos + 1)
            width, height = max(width, left + w), max(height, top + h)
            frames += 1
            # Descriptor, local colour table, LZW minimum code size, then data.
            pos = _skip_sub_blocks(data, pos + 10 + _color_table_bytes(packed) + 1)
        elif block == _EXTENSION:
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == _TRAILER:
            break
        else:
            # Pillow skips bytes that start no block and reads on, finding any
            # frames after them: count them the same way (found in C, not byte by byte).
            found = _BLOCK_START.search(data, pos)
            pos = found.start() if found else end
    return GifShape(width, height, frames)


def _color_table_bytes(packed: int) -> int:
    return 3 << ((packed & 0x07) + 1) if packed & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of sub-blocks (a length byte, then that many
    bytes; a zero length ends the chain). Past the end if the chain is cut."""
    end = len(data)
    while pos < end:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return end
