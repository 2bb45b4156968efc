"""The columns of the group list, described once: title, width, text of a group row and of a member row, and
the key a click on the header sorts the groups by. Nothing addresses a column by its position.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt

from dedup_gui.core.describe import describe
from dedup_gui.core.review import uncertain
from dedup_gui.core.types import Group, Member, Tier
from dedup_gui.ui.style import decision_text
from dedup_gui.ui.text import human_size

# Marked for translation here, translated where shown (QCoreApplication.translate with context "groups").
TIER_WORDS = {Tier.EXACT: "Exact copy", Tier.SAME_PHOTO: "Same photo", Tier.SIMILAR: "Similar shot"}


def tr(text: str) -> str:
    return QCoreApplication.translate("groups", text)


def tier_label(tier: Tier) -> str:
    return tr(TIER_WORDS[tier])


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a cell needs beyond its group and member: the user's decisions and the group's folder labels."""

    decision: Callable[[str], str | None]
    folder: Callable[[Group, str], str]  # (group, path) -> the shortest folder name that tells copies apart


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str  # English, translated when shown
    width: int  # initial width in pixels; 0 stretches (the stretching columns share what the others leave)
    group_text: Callable[[Group, RowContext], str]
    member_text: Callable[[Group, Member, RowContext], str]
    sort_key: Callable[[Group, RowContext], object]
    first_order: Qt.SortOrder = Qt.SortOrder.AscendingOrder  # the order of a first click (largest first for sizes)
    align_right: bool = False
    elide_middle: bool = False  # names and folders keep both ends ("IMG_2024…_edited.jpg"); sentences their start
    drop_order: int = 0  # on a narrow list, columns with a higher number hide first; 0 always shows
    live: bool = False  # the sort key reads the decisions (made again at every sort, not kept)


def _keeper(g: Group) -> Member:
    return next(m for m in g.members if m.path == g.keeper)


def _date(m: Member) -> str:
    return (m.info.taken or "")[:10] if m.info else ""


def _group_decisions(g: Group, ctx: RowContext) -> str:
    marked = [ctx.decision(m.path) for m in g.members]
    if not any(marked):
        return tr("undecided")
    return tr("{keep} keep · {trash} trash").format(keep=marked.count("keep"), trash=marked.count("trash"))


def _member_decision(m: Member, ctx: RowContext) -> str:
    decision = ctx.decision(m.path)
    return decision_text(decision) or (tr("protected") if m.protected else "")


def _certainty(g: Group) -> tuple[int, float]:
    """How sure the match is, least sure first when sorted ascending: the weaker tier first, then within a tier the
    group whose weakest member matched with the lowest score (the groups most worth a look before an apply)."""
    weakest = min((m.evidence.score for m in g.members if m.evidence is not None), default=1.0)
    return -g.tier.rank, weakest


def _name(m: Member, g: Group) -> str:
    return os.path.basename(m.path) + ("  ★" if m.path == g.keeper else "")


COLUMNS: tuple[Column, ...] = (
    Column(
        "file",
        "File",
        0,
        lambda g, ctx: os.path.basename(g.keeper),
        lambda g, m, ctx: _name(m, g),
        lambda g, ctx: os.path.basename(g.keeper).casefold(),
        elide_middle=True,
    ),
    Column(
        "folder",
        "Folder",
        130,
        lambda g, ctx: ctx.folder(g, g.keeper),
        lambda g, m, ctx: ctx.folder(g, m.path),
        lambda g, ctx: os.path.dirname(g.keeper).casefold(),
        elide_middle=True,
    ),
    Column(
        "copies",
        "Copies",
        58,
        lambda g, ctx: str(len(g.members)),
        lambda g, m, ctx: "",
        lambda g, ctx: len(g.members),
        Qt.SortOrder.DescendingOrder,
        align_right=True,
        drop_order=1,
    ),
    Column(
        "size",
        "To free",
        88,
        lambda g, ctx: human_size(g.reclaimable_bytes),
        lambda g, m, ctx: human_size(m.size),
        lambda g, ctx: g.reclaimable_bytes,
        Qt.SortOrder.DescendingOrder,
        align_right=True,
    ),
    Column(
        "match",
        "Match",
        170,
        lambda g, ctx: tier_label(g.tier) + (tr(" · check") if uncertain(g) else ""),
        lambda g, m, ctx: tr("proposed keeper") if m.path == g.keeper else describe(m, _keeper(g)).text,
        lambda g, ctx: _certainty(g),
    ),
    Column(
        "date",
        "Date taken",
        92,
        lambda g, ctx: _date(_keeper(g)),
        lambda g, m, ctx: _date(m),
        lambda g, ctx: _date(_keeper(g)) or "9999",
        drop_order=2,
    ),
    Column(
        "decision",
        "Decision",
        104,
        _group_decisions,
        lambda g, m, ctx: _member_decision(m, ctx),
        lambda g, ctx: sum(1 for m in g.members if ctx.decision(m.path) is None),  # undecided copies
        Qt.SortOrder.DescendingOrder,
        live=True,
    ),
)
KEYS = tuple(c.key for c in COLUMNS)
MIN_STRETCH_WIDTH = 240  # the file names' column never gets narrower than this while a column can still hide


def column_index(key: str) -> int:
    return KEYS.index(key)
