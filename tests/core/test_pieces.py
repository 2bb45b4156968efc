"""The result JSON written and read a piece at a time: the same text and values as the json module's."""

from __future__ import annotations

import json

import pytest

from dedup_gui.core.store import pieces

VALUES = [
    {},
    [],
    {"groups": [], "problems": [], "stats": {"files": 0}},
    {
        "groups": [
            {"members": [{"path": "/ph/été/IMG_0001.JPG", "size": 123, "keep": True}], "score": 0.93},
            {"members": [], "kind": None, "ratio": 1e-7},
        ],
        "stats": {"seconds": {"decoding": 1.5}, "by_kind": [[1, 2], []]},
        "problems": ["\u2603 snow", 'quote " and \\ backslash'],
        "empty": {},
        "nested": [[[1, [2, {"x": [3]}]]]],
    },
    [1, 2.5, "three", None, True, False, {"a": {}}, []],
    {"1": "string key", "b": [{}]},
    "just a string",
    42,
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_what_json_dumps_makes(value: object) -> None:
    assert pieces.dumps(value) == json.dumps(value)
    assert pieces.loads(pieces.dumps(value)) == value


def test_dicts_with_other_keys_are_written_as_json_writes_them() -> None:
    value = {"groups": {1: "a", 2: "b"}}
    assert pieces.dumps(value) == json.dumps(value)
    assert pieces.loads(pieces.dumps(value)) == {"groups": {"1": "a", "2": "b"}}


@pytest.mark.parametrize("value", VALUES)
def test_text_written_by_json_in_any_layout_reads_the_same(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=2), json.dumps(value, separators=(",", ":"))):
        assert pieces.loads(text) == value
        assert pieces.loads(f" \n{text}\t ") == value


@pytest.mark.parametrize(
    "text",
    ['{"groups": [1, 2', '{"groups" [1]}', '{"a": 1,}', "[1 2]", '{"a": 1} x', "[1,]", "", "{1: 2}", "[,]"],
)
def test_broken_text_is_refused_as_json_refuses_it(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        pieces.loads(text)
