"""Non-JSON bodies: compared as text after normalising line endings and trailing whitespace."""
from __future__ import annotations

import difflib
import re

from strangler_proxy.diff.display import preview
from strangler_proxy.diff.model import Difference, Kind

__all__ = ["MAX_DIFF_CHARS", "MAX_DIFF_LINES", "compare_text", "decode_body", "normalise_text"]

MAX_DIFF_LINES = 40
MAX_DIFF_CHARS = 4000
_MAX_LINE = 200
# difflib is quadratic; beyond this many differing lines per side the diff is cut.
_MAX_REGION = 2000
_CONTEXT = 2
_CUT = "… (diff cut)"
_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")
_CHARSET = re.compile(r"charset=\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def decode_body(body: bytes, content_type: str | None) -> str | None:
    """Return the body as text (charset from the content type, else UTF-8), or None if binary."""
    match = _CHARSET.search(content_type or "")
    charset = match.group(1) if match else "utf-8"
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def normalise_text(text: str) -> list[str]:
    """Return the lines with unified line endings and no trailing whitespace or blank tail."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare_text(primary: bytes, candidate: bytes, primary_type: str | None,
                 candidate_type: str | None) -> Difference | None:
    """Return one `text` difference at path "" (with a short unified diff), or None."""
    if primary == candidate:
        return None
    left, right = decode_body(primary, primary_type), decode_body(candidate, candidate_type)
    if left is None or right is None:
        return Difference(Kind.TEXT, "", "", f"{len(primary)} bytes", f"{len(candidate)} bytes",
                          "binary bodies differ")
    a, b = normalise_text(left), normalise_text(right)
    if a == b:
        return None
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    first_a = a[head] if head < len(a) else ""
    first_b = b[head] if head < len(b) else ""
    return Difference(Kind.TEXT, "", "", preview(first_a), preview(first_b), _unified(a, b, head, tail))


def _unified(a: list[str], b: list[str], head: int, tail: int) -> str:
    """Return a bounded unified diff, run on the differing region only (plus context)."""
    start = max(0, head - _CONTEXT)
    stop_a, stop_b = len(a) - max(0, tail - _CONTEXT), len(b) - max(0, tail - _CONTEXT)
    region_a = [line[:_MAX_LINE] for line in a[start:min(stop_a, start + _MAX_REGION)]]
    region_b = [line[:_MAX_LINE] for line in b[start:min(stop_b, start + _MAX_REGION)]]
    lines = ["--- primary", "+++ candidate"]
    for line in difflib.unified_diff(region_a, region_b, lineterm="", n=_CONTEXT):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            line = _HUNK.sub(lambda m: _shift(m, start), line)
        lines.append(line)
        if len(lines) >= MAX_DIFF_LINES:
            lines.append(_CUT)
            break
    text = "\n".join(lines)
    return text if len(text) <= MAX_DIFF_CHARS else text[: MAX_DIFF_CHARS - len(_CUT) - 1] + "\n" + _CUT


def _shift(match: re.Match[str], offset: int) -> str:
    # difflib numbers lines within the region; an empty range names the line before it,
    # so one offset fits every case.
    old, new = int(match.group(1)) + offset, int(match.group(3)) + offset
    return f"@@ -{old}{match.group(2) or ''} +{new}{match.group(4) or ''} @@"
