"""Plain records passed between the engine's services: frozen dataclasses and enums, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dedup_gui.core.formats import RAW_FORMATS


class Tier(StrEnum):
    """How strongly two files are the same picture; ordered from strongest to weakest."""

    EXACT = "exact"  # same bytes, or same decoded pixels
    SAME_PHOTO = "same-photo"  # one is a transformed copy of the other
    SIMILAR = "similar"  # same scene, a different shot

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_RANK = {Tier.EXACT: 0, Tier.SAME_PHOTO: 1, Tier.SIMILAR: 2}


class Mode(StrEnum):
    """Which tiers a scan reports as groups."""

    EXACT = "exact"
    NEAR = "near"
    SIMILAR = "similar"

    @property
    def tiers(self) -> frozenset[Tier]:
        if self is Mode.EXACT:
            return frozenset({Tier.EXACT})
        if self is Mode.NEAR:
            return frozenset({Tier.EXACT, Tier.SAME_PHOTO})
        return frozenset(Tier)


class ProblemKind(StrEnum):
    """Why a file could not take part in a scan; each becomes one line in the problems list."""

    EMPTY = "empty"
    NOT_AN_IMAGE = "not-an-image"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    TOO_LARGE = "too-large"
    DECODER_CRASHED = "decoder-crashed"  # the decoding process died on it (out of memory, a codec crash)
    UNSUPPORTED = "unsupported"
    UNREADABLE = "unreadable"
    VANISHED = "vanished"
    CHANGED = "changed"
    FOLDER_UNREADABLE = "folder-unreadable"
    SYMLINK_LOOP = "symlink-loop"


@dataclass(frozen=True, slots=True)
class Problem:
    """A file or folder the scan skipped, with a reason a person can act on."""

    path: str
    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One image file found by the walk; (path, size, mtime_ns) is its cache key."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    protected: bool = False


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What one decode learns about an image; shared by every exact copy of it."""

    width: int  # as displayed (EXIF orientation applied)
    height: int
    format: str  # "JPEG", "PNG", "HEIF", ...; a camera RAW is named by its format: "DNG", "NEF", "CR3", ...
    taken: str | None  # EXIF DateTimeOriginal as ISO 8601, if any
    camera: str | None  # "Make Model", if any
    uniform: bool  # near-blank: its hashes carry no information
    # share of the decoded picture within a few flat grey tones (tones.tone_mass), on the decode's working image
    # (decoding.working_image: at least twice the thumbnail, 512-1023 px on the long side for a large picture):
    # what tells a drawing (text, chart, icon) from a photo where a 256-px thumbnail blurs small text; 0.0 when not
    # measured (a decode stored by an older version)
    tones: float = 0.0

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def raw(self) -> bool:
        """A camera RAW original (its size is the sensor's): never a mere copy of a JPEG rendering."""
        return self.format in RAW_FORMATS


def seconds_between(a: ImageInfo | None, b: ImageInfo | None) -> float | None:
    """Seconds from a's capture time to b's (None: either unknown, or a date the camera wrote wrongly)."""
    if a is None or b is None or not a.taken or not b.taken:
        return None
    try:
        return (datetime.fromisoformat(b.taken) - datetime.fromisoformat(a.taken)).total_seconds()
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Why two files are in one group; kept for the UI and the JSON output."""

    a: str
    b: str
    tier: Tier
    score: float  # 0..1, higher is more certain
    method: str  # "bytes", "pixels", "hash", "embedding", "geometry"
    hash_distance: int | None = None
    transform: str | None = None  # dihedral transform of b that matched a, e.g. "rot90", "mirror"
    cosine: float | None = None
    description: str = ""
    # Structured facts behind the description (None/False: not measured or not the case), for words in the UI.
    angle: float | None = None  # degrees b is turned beyond the 90° steps of `transform` (a straightened copy)
    crop: float | None = None  # share of a's area that b does not show (b is cropped)
    extra: float | None = None  # share of b's area that a does not show (a border, a screen around the photo)
    overlay: float | None = None  # share of the aligned picture covered by something added (logo, text, a box)
    tone_edit: bool = False  # the pictures differ by one global tone/colour curve (an edit, not other light)
    alignment: str | None = None  # "keypoints", or "dense": whole-picture alignment where keypoints were too few
    detail: bool = False  # decided on a larger decode than the 256-px thumbnail
    partial: bool = False  # the frames overlap and neither contains the other (two crops of one photo)
    via: str | None = None  # the group member b was matched through, when it was not compared with a directly
    on_demand: bool = False  # verified against the group's anchor while assembling, after matching a member


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a group with the facts the review needs."""

    path: str
    size: int
    protected: bool
    info: ImageInfo | None
    evidence: PairEvidence | None  # link to the group's keeper; None for the keeper itself


@dataclass(frozen=True, slots=True)
class Group:
    """Files that are copies of one picture; the keeper is a proposal, never a decision."""

    tier: Tier
    keeper: str
    keeper_reason: str
    members: tuple[Member, ...]
    gone: tuple[str, ...] = ()  # members the scan saw that are no longer on disk (the review leaves them out)

    @property
    def paths(self) -> list[str]:
        return [m.path for m in self.members]

    @property
    def reclaimable_bytes(self) -> int:
        return sum(m.size for m in self.members if m.path != self.keeper)


class ScanStatus(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ScanStats:
    """Counts and per-stage seconds, for the summary line and the benchmark."""

    files: int = 0
    images: int = 0
    bytes: int = 0
    decoded: int = 0
    from_cache: int = 0
    embedded: int = 0
    verified: int = 0  # pairs checked geometrically in this scan (not taken from the cache)
    candidate_pairs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScanResult:
    status: ScanStatus
    groups: tuple[Group, ...]
    problems: tuple[Problem, ...]
    stats: ScanStats
    scan_id: int | None = None
