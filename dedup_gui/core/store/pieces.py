"""A scan's result as JSON text, written and read one group at a time.

`json.dumps` and `json.loads` are single calls into C that hold the GIL until they return. A simulated
100,000-photo library's result is 12.4 MB of JSON (6,964 groups): writing it in one call kept another thread
waiting for the GIL 74 ms, reading it 64 ms, and the window's thread needs the GIL to paint (8 and 6 ms here,
bench_gil_holds.py). Here the two outer
levels (the result's keys, then the items of each list) are each one short call, so another thread can take the
GIL between them. The text is the same as `json.dumps` makes, and either reads the other's.
"""

from __future__ import annotations

import json
from typing import Any

from dedup_gui.core import collector

# items of a list read between two settles (see collector.py): a group of a result is about 100 objects
_SETTLE_EVERY = 1024

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def dumps(value: Any, depth: int = 2) -> str:
    """`json.dumps(value)`, made piece by piece down to `depth` levels of dicts and lists."""
    if depth and isinstance(value, list):
        return "[" + ", ".join(dumps(v, depth - 1) for v in value) + "]"
    if depth and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v, depth - 1)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def loads(text: str, depth: int = 2) -> Any:
    """`json.loads(text)`, read piece by piece down to `depth` levels of dicts and lists."""
    value, end = _value(text, _skip(text, 0), depth)
    if _skip(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i


def _expect(text: str, i: int, char: str) -> int:
    if i >= len(text) or text[i] != char:
        raise json.JSONDecodeError(f"Expecting {char!r}", text, i)
    return i + 1


def _value(text: str, i: int, depth: int) -> tuple[Any, int]:
    """The value that starts at i, and where it ends."""
    opening = text[i] if i < len(text) else ""
    if not depth or opening not in "[{":
        return _DECODER.raw_decode(text, i)
    closing = "]" if opening == "[" else "}"
    items: list[Any] = []
    pairs: dict[str, Any] = {}
    i = _skip(text, i + 1)
    if i < len(text) and text[i] == closing:
        return (items if opening == "[" else pairs), i + 1
    while True:
        if opening == "{":
            key, i = _DECODER.raw_decode(text, i)
            if not isinstance(key, str):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
            i = _skip(text, _expect(text, _skip(text, i), ":"))
            pairs[key], i = _value(text, i, depth - 1)
        else:
            item, i = _value(text, i, depth - 1)
            items.append(item)
            if len(items) % _SETTLE_EVERY == 0:
                collector.settle()
        i = _skip(text, i)
        if i < len(text) and text[i] == closing:
            return (items if opening == "[" else pairs), i + 1
        i = _skip(text, _expect(text, i, ","))
