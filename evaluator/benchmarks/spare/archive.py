"""Safe reading of submission ZIPs: structural checks before any decoding, PNG header checks."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from evaluator.contract import Problem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Bytes of a PNG that hold its signature and IHDR chunk (size, bit depth, colour type).
PNG_HEADER_BYTES = 33


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps applied to an upload before anything in it is decoded."""

    max_bytes: int
    max_entries: int
    max_entry_bytes: int
    max_total_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class PngHeader:
    """Width, height, bit depth and colour type read from a PNG IHDR chunk."""

    width: int
    height: int
    bit_depth: int
    colour_type: int


def name_problem(*, name: str) -> str | None:
    """Why an archive member name is unsafe (traversal, absolute, drive, backslash), or None."""
    if "\\" in name:
        return "backslash in path"
    if name.startswith("/"):
        return "absolute path"
    if len(name) >= 2 and name[1] == ":":
        return "drive letter in path"
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "path traversal or empty path component"
    if any(ord(ch) < 32 for ch in name):
        return "control character in path"
    return None


def archive_open(*, path: Path, limits: ArchiveLimits) -> tuple[zipfile.ZipFile | None, list[Problem]]:
    """Open a ZIP and check it whole; returns (zip or None, problems). Nothing is decompressed here."""
    where = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(where, f"cannot read the upload ({exc.strerror})")]
    if size > limits.max_bytes:
        return None, [Problem(where, f"upload is {size} bytes, over the limit of {limits.max_bytes}")]
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return None, [Problem(where, f"not a readable ZIP archive ({exc})")]
    problems = entries_check(infos=infos, limits=limits)
    if any(p.where == where or p.where == "archive" for p in problems):
        archive.close()
        return None, problems
    return archive, problems


def entries_check(*, infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> list[Problem]:
    """Every structural problem of the member list: count, names, links, sizes, duplicates."""
    if len(infos) > limits.max_entries:
        return [Problem("archive", f"{len(infos)} entries, over the limit of {limits.max_entries}")]
    problems, seen, total = [], set(), 0
    files = [info.filename for info in infos if not info.is_dir()]
    for info in infos:
        name = info.filename
        reason = name_problem(name=name)
        if reason:
            problems.append(Problem(name, f"unsafe entry name: {reason}"))
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(Problem(name, "symbolic links are not allowed"))
            continue
        if name in seen:
            problems.append(Problem(name, "duplicate entry"))
        seen.add(name)
        if info.flag_bits & 0x1:
            problems.append(Problem(name, "encrypted entries are not allowed"))
        if info.is_dir():
            if not any(f.startswith(name) for f in files):
                problems.append(Problem(name, "empty directory entry (folders only as file prefixes)"))
            continue
        if info.file_size > limits.max_entry_bytes:
            problems.append(
                Problem(name, f"{info.file_size} bytes uncompressed, over {limits.max_entry_bytes}")
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        problems.append(Problem("archive", f"{total} bytes uncompressed, over {limits.max_total_bytes}"))
    return problems


def png_header(*, data: bytes) -> PngHeader | None:
    """Parse the IHDR chunk at the start of PNG bytes; None when it is not a PNG."""
    if len(data) < 33 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return PngHeader(width=width, height=height, bit_depth=depth, colour_type=colour)


def member_read(*, archive: zipfile.ZipFile, name: str, limit: int, truncate: bool = False) -> bytes:
    """Read at most `limit` bytes of a member (ValueError when it is unreadable, or longer unless
    `truncate`: then its first `limit` bytes, e.g. a PNG's header)."""
    try:  # zipfile raises NotImplementedError for an unsupported compression method
        with archive.open(name) as fh:
            data = fh.read(limit if truncate else limit + 1)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError, ValueError) as exc:
        raise ValueError(f"unreadable entry ({exc})") from None
    if len(data) > limit:
        raise ValueError(f"entry larger than {limit} bytes")
    return data


def png_problems(*, data: bytes, width: int, height: int) -> list[str]:
    """Header-level problems of PNG bytes against the expected size and 8-bit RGB, before decoding."""
    header = png_header(data=data)
    if header is None:
        return ["not a PNG file"]
    problems = []
    if (header.width, header.height) != (width, height):
        problems.append(f"size {header.width}x{header.height}, expected {width}x{height}")
    if header.colour_type != 2:
        names = {0: "greyscale", 3: "palette", 4: "greyscale+alpha", 6: "RGBA"}
        problems.append(f"colour type {names.get(header.colour_type, header.colour_type)}, expected RGB")
    if header.bit_depth != 8:
        problems.append(f"bit depth {header.bit_depth}, expected 8")
    return problems


def png_decode(*, data: bytes, max_pixels: int) -> np.ndarray:
    """Decode checked PNG bytes to uint8 H x W x 3 after checking the pixel count (ValueError if bad)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise ValueError(f"{w}x{h} pixels, over the limit of {max_pixels}")
                img.load()
                if img.mode != "RGB":
                    raise ValueError(f"decoded mode {img.mode}, expected RGB")
                return np.asarray(img, dtype=np.uint8)
    except ValueError:
        raise
    except (
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        struct.error,
        EOFError,
        zipfile.BadZipFile,
    ) as exc:
        raise ValueError(f"unreadable PNG ({exc})") from None
