"""Names as Python code writes them: qualified class names and dictionary keys as subscripts.

Nothing here runs the program's code (no repr() of its objects, no attribute lookups through
its classes).
"""

from __future__ import annotations

from typing import Any

MAX_KEY = 80
"""A dictionary key longer than this (in its subscript form) is cut with an ellipsis."""


def qualified_name(t: type) -> str:
    """`list`, `collections.OrderedDict`, `numpy.ndarray`, `app.models.Record`."""
    try:
        qualname = type.__dict__["__qualname__"].__get__(t)
    except Exception:
        qualname = getattr(t, "__name__", "?")
    try:
        module = type.__dict__["__module__"].__get__(t)
    except Exception:
        module = None
    if not isinstance(module, str) or module == "builtins":
        return str(qualname)
    return f"{module}.{qualname}"


def copy_text(text: str) -> str:
    """A new str with the same text: the string table must not hold the program's objects."""
    return text[:1] + text[1:]


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quoted(text: str) -> str:
    """A str as a double-quoted literal that Python (and JSON, for printable text) reads back."""
    parts = []
    for ch in text:
        code = ord(ch)
        escape = _ESCAPES.get(ch)
        if escape is not None:
            parts.append(escape)
        elif code < 0x20 or code == 0x7F:
            parts.append(f"\\x{code:02x}")
        else:
            parts.append(ch)
    return '"' + "".join(parts) + '"'


_SIMPLE_KEYS = (int, float, complex, bool, type(None), bytes)


def subscript(key: Any) -> str:
    """A dictionary key as code subscripts it: `["user:42"]`, `[-1]`, `[(1, "a")]`, `[<app.Key>]`.

    Never runs the program's code: a key of another class is named by its class only.
    """
    text = _key_text(key, 0)
    if len(text) > MAX_KEY:
        text = text[: MAX_KEY - 1] + "…"
    return f"[{text}]"


def _key_text(key: Any, depth: int) -> str:
    t = type(key)
    if t is str:
        return _quoted(key)
    if t in _SIMPLE_KEYS:
        return repr(key)
    if t is tuple and depth < 3 and len(key) <= 8:
        inner = ", ".join(_key_text(item, depth + 1) for item in key)
        return f"({inner},)" if len(key) == 1 else f"({inner})"
    return f"<{qualified_name(t)}>"
