"""Copies: a report whose text is the text of a report before it, or nearly (a syndicated copy, the
same wire story on two sites with another headline or footer), is one source with it, not a second
witness. Both are kept; the copy is linked to its original, and incidents count distinct sources.

Exact copies share their content hash. Near copies are found with MinHash over word shingles: the
casefolded words of a text, taken ``SHINGLE`` at a time, are hashed once each; the sketch keeps the
least hash of each of ``BINS`` bins (one-permutation MinHash), and the share of bins two sketches agree
on estimates the Jaccard similarity of their shingle sets. A text is a copy from ``NEAR`` on. To find
candidates without comparing every pair, each sketch is cut into ``BANDS`` bands; texts that agree on a
whole band share its bucket (locality-sensitive hashing: two texts of similarity 0.8 share one of 16
buckets with probability 0.9998, two of similarity 0.3 with 0.12). Pure functions: the store keeps
the buckets and sketches of originals (``store.copies``).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections import deque
from dataclasses import dataclass

__all__ = ["BANDS", "BINS", "NEAR", "SHINGLE", "Sketch", "sketch"]

SHINGLE = 4  # words per shingle: long enough that two reports of one event in their own words share few
BINS = 64
BANDS = 16  # of BINS // BANDS bins each
NEAR = 0.8  # estimated Jaccard similarity from which a text is a copy: a 100-word example report with a
#             headline and a credit line added scores 0.91; two reports in their own words, at most 0.06
#             among the bundled examples (tests/test_copies.py)
_EMPTY = 0xFFFFFFFF  # a bin no shingle fell into (short texts)
_PRIME = (1 << 61) - 1  # shingle hashes: a polynomial over the words' CRC-32, modulo a Mersenne prime
_BASE = 1_000_003
_MIX = 0x9E3779B97F4A7C15 % _PRIME
_WORD = re.compile(r"\w+")
_PACK = struct.Struct(f">{BINS}I")


@dataclass(frozen=True, slots=True)
class Sketch:
    """A text's MinHash sketch: the least hash of each bin (``_EMPTY`` where none fell)."""

    values: tuple[int, ...]

    def similarity(self, other: Sketch) -> float:
        """Estimated Jaccard similarity of the two texts' shingles: the share of bins, among those either
        text filled, where both kept the same least hash."""
        filled = [(a, b) for a, b in zip(self.values, other.values, strict=True) if a != _EMPTY or b != _EMPTY]
        return sum(1 for a, b in filled if a == b) / len(filled) if filled else 1.0

    def buckets(self) -> list[str]:
        """One bucket per band that holds a shingle (16 hex digits, the band's number included): texts
        sharing one are candidates to compare."""
        rows = BINS // BANDS
        packed = self.to_bytes()
        out = []
        for band in range(BANDS):
            if all(value == _EMPTY for value in self.values[rows * band:rows * (band + 1)]):
                continue  # empty bins say nothing of a short text, and every short text has them
            part = packed[4 * rows * band:4 * rows * (band + 1)]
            out.append(hashlib.blake2b(bytes([band]) + part, digest_size=8).hexdigest())
        return out

    def to_bytes(self) -> bytes:
        return _PACK.pack(*self.values)

    @classmethod
    def from_bytes(cls, data: bytes) -> Sketch:
        return cls(_PACK.unpack(data))


def sketch(text: str) -> Sketch:
    """The MinHash sketch of ``text`` (deterministic: the same on every machine and Python). Streams over the
    words: memory does not grow with the text beyond its case-folded copy."""
    mins = [_EMPTY] * BINS
    last: deque[int] = deque(maxlen=SHINGLE)
    count = 0
    for found in _WORD.finditer(text.casefold()):
        last.append(zlib.crc32(found.group().encode("utf-8")))
        count += 1
        if count >= SHINGLE:
            _keep_least(mins, last)
    if 0 < count < SHINGLE:  # a text shorter than one shingle is one shingle
        _keep_least(mins, last)
    return Sketch(tuple(mins))


def _keep_least(mins: list[int], words: deque[int]) -> None:
    value = 0
    for word in words:
        value = (value * _BASE + word) % _PRIME
    value = (value * _MIX) % _PRIME
    slot, rest = value % BINS, (value // BINS) & 0xFFFFFFFE  # never _EMPTY
    if rest < mins[slot]:
        mins[slot] = rest
