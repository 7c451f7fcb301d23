"""Which file an mmap maps: its address, looked up in /proc/self/maps (Linux)."""

from __future__ import annotations

import sys
from typing import Any, List, Optional, Tuple


class ProcMaps:
    """The file mapped at an address, from /proc/self/maps (Linux), read once per snapshot."""

    def __init__(self) -> None:
        self._ranges: Optional[List[Tuple[int, int, str]]] = None

    def file_at(self, address: int) -> Optional[str]:
        if self._ranges is None:
            self._ranges = []
            try:
                with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                    for line in maps:
                        parts = line.split(None, 5)
                        if len(parts) < 6:
                            continue
                        start, end = (int(value, 16) for value in parts[0].split("-"))
                        self._ranges.append((start, end, parts[5].strip()))
            except OSError:
                pass
        for start, end, path in self._ranges:
            if start <= address < end:
                return path if path.startswith("/") else None
        return None


def mmap_address(mm: Any) -> Optional[int]:
    """The address an mmap object maps, without copying its pages; None when it cannot tell."""
    numpy = sys.modules.get("numpy")
    try:
        if numpy is not None:
            return int(numpy.frombuffer(mm, dtype=numpy.uint8).__array_interface__["data"][0])
        import ctypes

        return ctypes.addressof(ctypes.c_char.from_buffer(mm))
    except Exception:
        return None
