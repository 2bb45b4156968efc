"""Why a file is a copy of the proposed keeper, in the words a person would use; the numbers go to a tooltip.

Pure functions of plain records, no I/O and no Qt, shared by the window and the CLI. Each piece of text is a
`Phrase`: an English template plus its values, so a front end can translate the template and fill it in.

The words are built from the evidence's fields (method, tier, transform, distances) and the two members' facts
(format, pixels, file size, date taken), never from the English `description`, which is only a fallback for
what no field carries yet. A new optional evidence field needs one line in `_Facts.of` and one clause in
`_changes` (see the crop and "matched through" clauses for the pattern).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from dedup_gui.core.content import TRANSFORM_WORDS
from dedup_gui.core.keeper import keeper_key
from dedup_gui.core.types import Group, Member, PairEvidence, Tier, seconds_between
from dedup_gui.core.verify import COLOUR_WORDS, SET_WORDS

T = TypeVar("T")

IDENTICAL_BITS = 2  # hash distance of a copy nobody could tell apart (config.HashThresholds.identical)
SMALLER = 0.9  # a copy with under 90 % of the keeper's pixels was saved smaller (resizing a 12 MP photo to
# 4K or less gives under 70 %; re-encoding keeps 100 %)
MOMENT = 60  # seconds: another shot this close in time was taken "a moment" later
SCREENSHOT_EXTRA = 0.2  # a PNG showing 20 %+ more than the photo around it is a screenshot of it (phone status
# bars, app chrome); a border added by an editor is usually a few percent
COMPRESSED = 0.8  # same pixels in a file under 80 % of the keeper's: saved again at a lower quality
STRAIGHTENED = 0.3  # degrees: a copy turned by this much or more was straightened (copies measure under 0.1)
PHONE_ASPECT = 1.7  # a screen taller than 16:9.5 is a phone's

FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "HEIF": "HEIC", "WEBP": "WebP", "TIFF": "TIFF", "GIF": "GIF"}
FORMAT_NAMES |= {"BMP": "BMP", "AVIF": "AVIF", "JPEG2000": "JPEG 2000", "DNG": "DNG"}


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words with their numbers kept apart: `template` is English with {names}, `values` fills it in."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.values)


@dataclass(frozen=True, slots=True)
class Description:
    """How a member relates to the keeper: a headline, the changes seen, and the numbers behind them."""

    headline: Phrase
    changes: tuple[Phrase, ...] = ()
    numbers: tuple[Phrase, ...] = ()

    @property
    def text(self) -> str:
        return ", ".join(str(p) for p in (self.headline, *self.changes))

    @property
    def tooltip(self) -> str:
        return "\n".join(str(p) for p in self.numbers)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the evidence says beyond its tier, from its fields or, until a field exists, from its text."""

    crop: float | None  # share of the keeper's picture the copy leaves out
    extra: float | None  # share of the copy that is not the keeper's picture (border, screenshot chrome)
    through: str | None  # the member the match went through, when not direct
    angle: float | None  # degrees the copy is turned beyond the 90-degree steps (straightened)
    stretch: float | None  # how much more one side was scaled than the other (resized to another aspect)
    overlay: float | None  # share of the picture covered by something added (text, a logo, a box)
    tone_edit: bool  # colours or brightness changed by one curve over the whole picture

    @staticmethod
    def of(ev: PairEvidence) -> _Facts:
        text = ev.description
        via = ev.via.rsplit("/", 1)[-1] if ev.via else None
        return _Facts(
            crop=_field(ev, "crop", _percent(r"cropped (\d+) %", text)),
            extra=_field(ev, "extra", _percent(r"(\d+) % extra around", text)),
            through=via or _match(r"matched through (.+)$", text),
            angle=ev.angle,
            stretch=_field(ev, "stretch", _percent(r"stretched (\d+) %", text)),
            overlay=ev.overlay,
            tone_edit=ev.tone_edit,
        )


def _field(ev: PairEvidence, name: str, fallback: T) -> T:
    value = getattr(ev, name, None)  # a structured field, once detection adds it
    return fallback if value is None else value


def _match(pattern: str, text: str) -> str | None:
    m = re.search(pattern, text)
    return m.group(1) if m else None


def _percent(pattern: str, text: str) -> float | None:
    m = _match(pattern, text)
    return int(m) / 100 if m is not None else None


def format_name(fmt: str | None) -> str:
    return FORMAT_NAMES.get(fmt or "", fmt or "unknown format")


def human_size(n: float) -> str:
    """Bytes in decimal units, as file managers show them: 950 B, 1.2 MB."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def describe(member: Member, keeper: Member) -> Description:
    """Why `member` is in the keeper's group, in words, with the numbers for a tooltip."""
    ev = member.evidence
    if member.path == keeper.path or ev is None:
        return Description(Phrase("proposed keeper"))
    numbers = _numbers(ev)
    if ev.method == "bytes":
        return Description(Phrase("identical file"), (), numbers)
    if ev.method == "pixels":
        return Description(Phrase("same pixels, different metadata"), (), numbers)
    if ev.tier is Tier.SIMILAR:
        return Description(_another_shot(member, keeper), (), numbers + _time_apart(member, keeper))
    facts = _Facts.of(ev)
    changes = _changes(ev, facts)
    if ev.tier is Tier.EXACT:
        return Description(Phrase("identical picture"), changes, numbers)
    return Description(_same_photo(member, keeper, ev, facts), changes, numbers + _sizes(member, keeper))


def _same_photo(member: Member, keeper: Member, ev: PairEvidence, facts: _Facts) -> Phrase:
    a, b = keeper.info, member.info
    if a is None or b is None:
        return Phrase("same photo")
    if facts.extra is not None and facts.extra >= SCREENSHOT_EXTRA and b.format == "PNG":
        phone = max(b.width, b.height) >= PHONE_ASPECT * min(b.width, b.height)
        return Phrase("phone screenshot of this photo" if phone else "screenshot of this photo")
    fmt = {"format": format_name(b.format)}
    other_format = a.format != b.format
    if b.pixels < SMALLER * a.pixels:
        return (
            Phrase("same photo, saved smaller as {format}", fmt)
            if other_format
            else Phrase("same photo, saved smaller")
        )
    if b.pixels > a.pixels / SMALLER:
        return Phrase("same photo, enlarged")
    looks_identical = ev.hash_distance is not None and ev.hash_distance <= IDENTICAL_BITS
    if other_format:
        return Phrase("same photo as {format}, same size" if looks_identical else "same photo as {format}, edited", fmt)
    if not looks_identical:
        return Phrase("same photo, edited")
    if member.size < COMPRESSED * keeper.size:
        return Phrase("same photo, saved again with more compression")
    return Phrase("same photo, saved again")


def _changes(ev: PairEvidence, facts: _Facts) -> tuple[Phrase, ...]:
    out: list[Phrase] = []
    if ev.transform in TRANSFORM_WORDS:
        out.append(Phrase(TRANSFORM_WORDS[ev.transform]))
    if facts.angle is not None and abs(facts.angle) >= STRAIGHTENED:
        out.append(Phrase("straightened {degrees:.1f}°", {"degrees": abs(facts.angle)}))
    if facts.stretch is not None and facts.stretch >= 0.01:
        out.append(Phrase("stretched {percent} % out of shape", {"percent": round(100 * facts.stretch)}))
    if facts.crop is not None and facts.crop >= 0.01:
        out.append(Phrase("cropped {percent} %", {"percent": round(100 * facts.crop)}))
    if facts.extra is not None and 0.01 <= facts.extra < SCREENSHOT_EXTRA:
        out.append(Phrase("with a border"))
    if facts.overlay is not None and facts.overlay >= 0.01:
        out.append(Phrase("with text or a logo added"))
    if facts.tone_edit:
        out.append(Phrase("colours or brightness changed"))
    if facts.through:
        out.append(Phrase("matched through {name}", {"name": facts.through}))
    return tuple(out)


def _numbers(ev: PairEvidence) -> tuple[Phrase, ...]:
    out: list[Phrase] = []
    if ev.method == "bytes":
        out.append(Phrase("the files' contents are byte for byte the same"))
    elif ev.method == "pixels":
        out.append(Phrase("the decoded pictures are the same; only the metadata (EXIF, date, tags) differs"))
    if ev.hash_distance is not None:
        out.append(Phrase("picture fingerprints {bits} of 64 bits apart", {"bits": ev.hash_distance}))
    if ev.cosine is not None:
        out.append(Phrase("neural-network similarity {cosine:.2f} (1 = same)", {"cosine": ev.cosine}))
    if ev.method == "geometry":
        out.append(Phrase("checked by lining up the two pictures"))
    if ev.score > 0 and ev.method not in ("bytes", "pixels"):
        out.append(Phrase("confidence {percent} %", {"percent": round(100 * ev.score)}))
    return tuple(out)


def _sizes(member: Member, keeper: Member) -> tuple[Phrase, ...]:
    out = [
        Phrase(
            "file {size} (keeper {keeper_size})",
            {"size": human_size(member.size), "keeper_size": human_size(keeper.size)},
        )
    ]
    if member.info and keeper.info:
        out.append(
            Phrase(
                "{width} × {height} pixels (keeper {keeper_width} × {keeper_height})",
                {
                    "width": member.info.width,
                    "height": member.info.height,
                    "keeper_width": keeper.info.width,
                    "keeper_height": keeper.info.height,
                },
            )
        )
    return tuple(out)


def _another_shot(member: Member, keeper: Member) -> Phrase:
    if member.evidence is not None and SET_WORDS in member.evidence.description:  # from the text: no field carries it
        return Phrase("another picture of the same set (one shows an element more)")
    if member.evidence is not None and COLOUR_WORDS in member.evidence.description:
        return Phrase("the same picture in other colours")
    apart = seconds_between(keeper.info, member.info)
    if apart is None:
        return Phrase("another shot of the same scene")
    if abs(apart) <= MOMENT:
        return Phrase("another shot a moment later" if apart >= 0 else "another shot a moment earlier")
    return Phrase(
        "another shot, {time} later" if apart > 0 else "another shot, {time} earlier", {"time": _duration(abs(apart))}
    )


def _time_apart(member: Member, keeper: Member) -> tuple[Phrase, ...]:
    apart = seconds_between(keeper.info, member.info)
    if apart is None:
        return ()
    return (Phrase("taken {seconds:.0f} s from the proposed keeper", {"seconds": abs(apart)}),)


def _duration(seconds: float) -> str:
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
    return f"{seconds:.0f} s"


def deciding_rule(group: Group, rules: Sequence[str]) -> str | None:
    """The keeper rule that made the group's keeper win over the runner-up, or None when the rules in force
    would not choose that keeper (the user changed them since the scan) or every rule ties."""
    if len(group.members) < 2:
        return None
    ranked = sorted(group.members, key=lambda m: keeper_key(m, rules))
    if ranked[0].path != group.keeper:
        return None
    best, runner_up = keeper_key(ranked[0], rules), keeper_key(ranked[1], rules)
    return next((rule for i, rule in enumerate(rules) if best[i] != runner_up[i]), None)
