"""Constant-bitrate AAC: pad each AAC-LC frame with fill elements so the stream carries its nominal rate.

ffmpeg's own AAC encoder (the only one Debian ships) is average-bitrate: over a long silence it
spends a few bits a frame, so a dub with pauses measures 35-79 kbps in ffprobe although it was
encoded at 128 kbps. The REACH guide asks for AAC-LC at 64 or 128 kbps, and Kaltura reports an
audio flavor's bitrate as its container's measured bitrate (kaltura/server
``infra/cdl/kdl/KDLWrap.php``, ``ConvertMediainfoCdl2FlavorAsset``: no video, so the container's
bit rate), so the delivered file must really carry that rate.

A constant-bitrate AAC encoder does it with fill elements (``ID_FIL``, ISO/IEC 14496-3 §4.4.2.1,
extension type ``EXT_FILL``), which every decoder skips: the sound is untouched. This module adds
them after encoding. Each frame of ffmpeg's AAC ends with the ``ID_END`` element (binary ``111``)
followed only by zero bits up to the byte boundary, so the last set bit of a frame is the end of
``ID_END``: the fill elements go just before it. Frames are padded so that the running total
follows the nominal rate exactly; a frame the encoder made larger (its bit reservoir) is kept
whole and the following frames are padded less. The decoded samples are bit-identical (the test
decodes both); the stream's and the container's bitrate become the nominal one (or, on content
the encoder already overspends on, stay what it was: within half a percent in our measurements).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reachflow.errors import MediaError

__all__ = ["frame_sizes", "pad_frame", "pad_to_constant_bitrate"]

_ID_FIL, _ID_END = 6, 7
_FILL_BYTE = 0xA5  # ISO/IEC 14496-3: fill_byte '10100101'
_MAX_SHORT = 14  # bytes a fill element carries with a 4-bit count
_MAX_LONG = 15 + 255 - 1  # with the 8-bit escape count


def _end_position(frame: bytes) -> int:
    """Bit index (from the frame's first bit) just after the ``ID_END`` element: the last set bit + 1."""
    for i in range(len(frame) - 1, -1, -1):
        byte = frame[i]
        if byte:
            lowest = (byte & -byte).bit_length() - 1
            return i * 8 + (8 - lowest)
    raise MediaError("an AAC frame without an end element")


def pad_frame(frame: bytes, size: int) -> bytes:
    """``frame`` (one AAC raw data block) grown to ``size`` bytes with fill elements before its end.

    A frame already ``size`` bytes or longer is returned unchanged.

    Raises:
        MediaError: the frame does not end with an ``ID_END`` element.
    """
    if len(frame) >= size:
        return frame
    end = _end_position(frame)
    whole = int.from_bytes(frame, "big") >> (len(frame) * 8 - end)
    if whole & 0b111 != _ID_END:
        raise MediaError("an AAC frame that does not end with an end element")
    value, bits = whole >> 3, end - 3  # everything before ID_END
    remaining = size * 8 - bits - 3  # room for fill elements, keeping 3 bits for ID_END
    while remaining >= 7:
        if remaining >= 15 + 8 * (_MAX_SHORT + 1):
            count = min(_MAX_LONG, (remaining - 15) // 8)
            value = (((value << 3 | _ID_FIL) << 4 | 15) << 8) | (count - 15 + 1)
            bits += 15
        else:
            count = min(_MAX_SHORT, (remaining - 7) // 8)
            if count == 0 and remaining < 8:
                break  # less than a byte left: the alignment bits after ID_END cover it
            value = (value << 3 | _ID_FIL) << 4 | count
            bits += 7
        if count:
            # fill_extension: extension_type EXT_FILL (0000), fill_nibble (0000), then fill bytes
            payload = bytes([0]) + bytes([_FILL_BYTE]) * (count - 1)
            value = value << (8 * count) | int.from_bytes(payload, "big")
            bits += 8 * count
        remaining = size * 8 - bits - 3
    value, bits = value << 3 | _ID_END, bits + 3
    pad = -bits % 8
    out = (value << pad).to_bytes((bits + pad) // 8, "big")
    if len(out) != size:  # pragma: no cover - the arithmetic above guarantees it
        raise MediaError(f"an AAC frame padded to {len(out)} bytes instead of {size}")
    return out


def frame_sizes(sizes: list[int], total: float) -> list[int]:
    """The size of each frame after padding, so that the frames after the first add up to ``total`` bytes.

    The first frame is the encoder's priming frame, which the MP4 edit list hides and ffprobe leaves
    out of the stream's bit rate; it is padded like the others. No frame shrinks; when the encoder
    spent more than ``total`` the frames are padded only where that does not add to the overspend
    (the running total follows the target from below, looking ahead at the frames to come).

    Example:
        >>> frame_sizes([10, 10, 50, 10], 90.0)
        [30, 10, 50, 30]
    """
    count = len(sizes)
    if count == 0:
        return []
    share = total / max(1, count - 1)
    targets = [round(share * (k + 1)) for k in range(count)]
    allowed = targets[:]
    for k in range(count - 2, -1, -1):
        allowed[k] = min(targets[k], allowed[k + 1] - sizes[k + 1])
    out, written = [], 0
    for size, limit in zip(sizes, allowed, strict=True):
        out.append(max(size, limit - written))
        written += out[-1]
    return out


@dataclass(frozen=True)
class _Packet:
    data: bytes
    pts: int | None
    dts: int | None
    duration: int


def pad_to_constant_bitrate(source: str | os.PathLike[str], out: str | os.PathLike[str], kbps: int) -> Path:
    """Copy the MP4 ``source`` (one AAC-LC stream) to ``out`` with its frames padded to ``kbps``.

    The total follows ``kbps`` over the stream's presented duration (its edit list included), so
    ffprobe's stream bit rate reads ``kbps`` (to within a byte's rounding) unless the encoder
    already spent more. Timestamps, the edit list (encoder delay) and the audio are unchanged.

    Raises:
        MediaError: no audio stream, not AAC, or a frame without an end element.
    """
    import av

    src, dst = Path(source), Path(out)
    with av.open(str(src)) as container:
        if not container.streams.audio:
            raise MediaError("the track has no audio stream")
        stream = container.streams.audio[0]
        if stream.codec_context.name != "aac":
            raise MediaError(f"the track is {stream.codec_context.name}, not AAC")
        time_base = stream.time_base
        packets = [_Packet(bytes(p), p.pts, p.dts, int(p.duration or 0)) for p in container.demux(stream) if p.size > 0]
        if stream.duration is not None and time_base is not None:
            seconds = float(stream.duration * time_base)
        else:
            seconds = float(container.duration or 0) / av.time_base
        if not packets or seconds <= 0 or time_base is None:
            raise MediaError("the track has no audio frames")
        sizes = frame_sizes([len(p.data) for p in packets], kbps * 1000 / 8 * seconds)
        with av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as output:
            target = output.add_stream_from_template(stream)
            for packet, size in zip(packets, sizes, strict=True):
                padded = av.Packet(pad_frame(packet.data, size))
                padded.pts, padded.dts, padded.duration = packet.pts, packet.dts, packet.duration
                padded.time_base = time_base
                padded.stream = target
                output.mux(padded)
    return dst
