"""Star grouping never chains unrelated photos; the keeper proposal follows the ranked rules."""

from __future__ import annotations

import random

from dedup_gui.core.config import KEEPER_RULE_NAMES
from dedup_gui.core.grouping import Link, Star, star_groups
from dedup_gui.core.keeper import KEEPER_RULES, propose_keeper
from dedup_gui.core.types import ImageInfo, Member


def test_chain_a_b_c_does_not_put_a_and_c_together() -> None:
    # A~B (strong) and B~C, but A and C are clearly different photos
    links = [Link(0, 1, 0.9), Link(1, 2, 0.8)]
    groups = star_groups(3, links, compatible=lambda a, i, j: {i, j} != {0, 2}, anchor_rank=lambda v: (0,))
    assert groups == [Star(1, [1, 0])]


def test_copies_that_only_match_the_original_still_join_its_group() -> None:
    # a crop (1) and a grayscale copy (2) both match the original (0) but not each other directly
    links = [Link(0, 1, 0.9), Link(0, 2, 0.8)]
    groups = star_groups(3, links, compatible=lambda a, i, j: True, anchor_rank=lambda v: (0,))
    assert groups == [Star(0, [0, 1, 2])]


def test_two_separate_photos_give_two_groups() -> None:
    links = [Link(0, 1, 1.0), Link(2, 3, 1.0)]
    groups = star_groups(4, links, compatible=lambda a, i, j: True, anchor_rank=lambda v: (-v,))
    assert sorted(sorted(star.members) for star in groups) == [[0, 1], [2, 3]]


def test_a_copy_matched_only_through_a_member_joins_when_the_anchor_confirms_it() -> None:
    # 0 original with four copies (1 resized, 4, 5, 6); 2 a crop matched only against the resized copy;
    # 3 another photo that also matched the resized copy
    links = [Link(0, 1, 0.95), Link(0, 4, 0.9), Link(0, 5, 0.85), Link(0, 6, 0.8), Link(1, 2, 0.9), Link(1, 3, 0.6)]
    asked: list[tuple[int, int]] = []

    def confirm(anchor: int, u: int, through: int) -> bool:
        asked.append((anchor, u))
        assert through == 1  # the member that brought it
        return u == 2  # verified against the anchor: the crop is the same photo, the other photo is not

    groups = star_groups(7, links, compatible=lambda a, i, j: True, anchor_rank=lambda v: (-v,), confirm=confirm)
    assert groups == [Star(0, [0, 1, 4, 5, 6, 2], {2: 1})]
    assert sorted(asked) == [(0, 2), (0, 3)]


def test_without_confirmation_a_member_of_a_member_stays_out() -> None:
    links = [Link(0, 1, 0.95), Link(0, 3, 0.9), Link(1, 2, 0.9)]
    groups = star_groups(4, links, compatible=lambda a, i, j: True, anchor_rank=lambda v: (-v,))
    assert groups[0] == Star(0, [0, 1, 3])


def test_a_copy_tied_to_another_photos_group_only_as_another_shot_stays_with_its_original() -> None:
    """Similar mode: photo 0 with copies 1 and 2 and another shot 3 of its scene; photo 4 (another photo, not
    compatible with 0's group) with its square crop 5, which looks like 'the same view in other light' of copy 2.
    The crop stays in its original's group. When the other photo is a shot of the same scene (compatible), its
    copy goes with it into the one group."""
    links = [Link(0, 1, 0.95), Link(0, 2, 0.9), Link(0, 3, 0.0, copy=False), Link(4, 5, 0.98)]
    links.append(Link(2, 5, 0.0, copy=False))

    def apart(a: int, i: int, j: int) -> bool:
        return not ({i, j} & {4} and {i, j} & {0, 1, 2, 3})  # 4 is another photo than 0, 1, 2 and 3

    def confirm(anchor: int, u: int, through: int) -> bool:
        return True  # every pair asked about verifies as a copy or another shot of the anchor's scene

    groups = star_groups(6, links, compatible=apart, anchor_rank=lambda v: (-v,), confirm=confirm)
    assert sorted(sorted(star.members) for star in groups) == [[0, 1, 2, 3], [4, 5]]
    together = star_groups(6, links, compatible=lambda a, i, j: True, anchor_rank=lambda v: (-v,), confirm=confirm)
    assert sorted(sorted(star.members) for star in together) == [[0, 1, 2, 3, 4, 5]]


def member(
    path: str,
    w: int,
    size: int,
    fmt: str = "JPEG",
    taken: str | None = None,
    protected: bool = False,
    camera: str | None = None,
) -> Member:
    return Member(path, size, protected, ImageInfo(w, w * 3 // 4, fmt, taken, camera, False), None)


def test_each_anchor_is_the_best_connected_node_left_in_long_chains_and_random_graphs() -> None:
    """The anchor is chosen from a heap of keys as they were, kept up to date lazily (a chain of 16,000 photos
    took 88 s when every star keyed every node left, 0.15 s now): replaying each choice with every node keyed
    afresh must pick the same anchor, or a node that formed no group (a singleton is dropped)."""
    rng = random.Random(7)
    graphs = [[Link(i, i + 1, 1.0) for i in range(300)]]
    for _ in range(40):
        n = rng.randrange(5, 60)
        pairs = {tuple(sorted(rng.sample(range(n), 2))) for _ in range(rng.randrange(n, 3 * n))}
        graphs.append([Link(a, b, rng.random(), *(rng.random() < p for p in (0.7, 0.7, 0.8))) for a, b in pairs])
    for links in graphs:
        n = 1 + max(max(link.a, link.b) for link in links)
        rank = {i: (rng.randrange(3),) for i in range(n)}
        stars = star_groups(
            n, links, lambda a, u, m: (a + u + m) % 5 != 0, rank.__getitem__, lambda a, u, t: u % 3 != 0
        )
        _replay(links, stars, rank)


def _replay(links: list[Link], stars: list[Star], rank: dict[int, tuple]) -> None:
    """Each star's anchor has the highest key among the nodes of its component not yet in a star."""
    adj: dict[int, set[int]] = {}
    holds = set()
    for link in links:
        adj.setdefault(link.a, set()).add(link.b)
        adj.setdefault(link.b, set()).add(link.a)
        holds |= {(link.a, link.b)} if link.a_holds_b else set()
        holds |= {(link.b, link.a)} if link.b_holds_a else set()

    def key(v: int) -> tuple:
        near = [u for u in adj[v] if u in free]
        same = sum(1 for u in near if (v, u) in holds and (u, v) in holds)
        return (same, len(near), sum(1 for u in near if (v, u) in holds), rank[v], -v)

    grouped = {m for star in stars for m in star.members}
    free = set(adj)
    for star in stars:
        component, todo = {star.anchor}, [star.anchor]
        while todo:
            for u in adj[todo.pop()] - component:
                component.add(u)
                todo.append(u)
        while (best := max(free & component, key=key)) != star.anchor:
            assert best not in grouped  # passed over only by dropping it as a singleton
            free.discard(best)
        free -= set(star.members)


def test_keeper_rules_in_order() -> None:
    big, small = member("/a/big.jpg", 4000, 3_000_000), member("/a/small.jpg", 1000, 300_000)
    assert propose_keeper([small, big]) == ("/a/big.jpg", "most pixels (4000 x 3000)")
    protected = member("/ref/small.jpg", 1000, 300_000, protected=True)
    assert propose_keeper([big, protected]) == ("/ref/small.jpg", "in a protected folder")
    old = member("/a/b/c/old.jpg", 4000, 3_000_000, taken="2010-01-01T10:00:00")
    new = member("/a/new.jpg", 4000, 3_000_000, taken="2011-01-01T10:00:00")
    assert propose_keeper([new, old]) == ("/a/b/c/old.jpg", "taken earliest")


def test_the_default_keeper_is_the_camera_original_a_photo_owner_would_keep() -> None:
    raw = member("/shoot/DSC_1.NEF", 6000, 25_000_000, fmt="NEF", taken="2020-01-01T10:00:00", camera="Nikon D750")
    jpeg = member("/shoot/DSC_1.JPG", 6000, 12_000_000, taken="2020-01-01T10:00:00", camera="Nikon D750")
    assert propose_keeper([jpeg, raw]) == (raw.path, "the camera's RAW original")
    original = member("/a/IMG_1.jpg", 3000, 2_000_000, taken="2020-01-01T10:00:00", camera="Pixel 7")
    upscaled = member("/edits/IMG_1-4k.png", 4000, 9_000_000, fmt="PNG")  # more pixels, made by a program
    assert propose_keeper([upscaled, original]) == (original.path, "keeps the camera's date and model")
    heic = member("/a/IMG_2.HEIC", 4000, 2_000_000, fmt="HEIF", taken="2020-01-01T10:00:00", camera="iPhone")
    same = member("/a/IMG_2.jpg", 4000, 3_500_000, taken="2020-01-01T10:00:00", camera="iPhone")
    assert propose_keeper([heic, same]) == (same.path, "JPEG opens in more programs")


def test_keeper_rules_follow_the_configured_order() -> None:
    assert tuple(KEEPER_RULES) == KEEPER_RULE_NAMES
    big, heavy = member("/a/big.jpg", 4000, 1_000_000), member("/a/heavy.png", 2000, 5_000_000, fmt="PNG")
    assert propose_keeper([big, heavy])[0] == "/a/big.jpg"
    rules = ("file-size", "resolution", "reference-folder", "format", "date", "path")
    assert propose_keeper([big, heavy], rules) == ("/a/heavy.png", "largest file")


def test_a_settings_file_with_the_old_default_order_gets_the_new_one() -> None:
    from dedup_gui.core import settings

    old = 'keeper_rules = ["reference-folder", "resolution", "format", "file-size", "date", "path"]\nversion = 1\n'
    assert settings.loads(old).keeper_rules == KEEPER_RULE_NAMES
    mine = 'keeper_rules = ["file-size", "resolution"]\nversion = 1\n'
    assert settings.loads(mine).keeper_rules == ("file-size", "resolution")  # a choice of the user's stays
