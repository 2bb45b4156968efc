"""What counts as an image file: extensions and the first-bytes signatures used to sniff mislabelled files."""

from __future__ import annotations

IMAGE_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .gif .bmp .dib .tif .tiff .webp .heic .heif .hif .avif .jp2 .ppm .pgm .pbm .tga".split()
)
# Camera RAW files: the originals a photographer keeps; never proposed for the trash in favour of a rendering.
RAW_EXTENSIONS = frozenset(
    ".dng .nef .nrw .cr2 .cr3 .crw .arw .srf .sr2 .raf .orf .rw2 .rwl .pef .srw .x3f .3fr .iiq .erf .kdc .mrw".split()
)
# Format names the decoder gives RAW files (ImageInfo.format).
RAW_FORMATS = frozenset(
    "DNG NEF NRW CR2 CR3 CRW ARW SRF SR2 RAF ORF RW2 RWL PEF SRW X3F 3FR IIQ ERF KDC MRW RAW".split()
)
# Companions and media we never sniff: opening them would cost an open() each for nothing.
NEVER_IMAGES = frozenset(
    (
        ".xmp .aae .txt .ini .db .json .xml .html .htm .pdf .doc .docx .csv .md .log .zip .7z .rar .gz .tar "
        ".mov .mp4 .m4v .avi .mkv .mts .m2ts .3gp .wmv .mp3 .m4a .wav .aac .flac .ogg .thm .lrv .pp3 .dop "
        ".py .sh .exe .dll .lnk .url .ds_store"
    ).split()
)
_MAGICS: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),
    (0, b"\x89PNG\r\n\x1a\n"),
    (0, b"GIF87a"),
    (0, b"GIF89a"),
    (0, b"BM"),
    (0, b"II*\x00"),
    (0, b"MM\x00*"),
    (8, b"WEBP"),
    (4, b"ftyp"),
)


def looks_like_image(head: bytes) -> bool:
    """True when the first bytes carry a known image signature, whatever the file is called."""
    return any(head[off : off + len(sig)] == sig for off, sig in _MAGICS)
