"""What counts as an image file: extensions and the first-bytes signatures used to sniff mislabelled files."""

from __future__ import annotations

# Camera RAW originals, read with LibRaw (core.rawfiles). Walked like every other image.
RAW_EXTENSIONS = frozenset(
    ".dng .nef .nrw .cr2 .cr3 .crw .arw .srf .sr2 .raf .orf .rw2 .pef .srw .x3f .3fr .fff .iiq .rwl .erf .kdc .dcr "
    ".mrw .mef .mos".split()
)
# ImageInfo.format of a RAW original: the extension's name in capitals ("NEF", "DNG", "CR3", ...), or "RAW" for a
# sensor image of unknown make found by content.
RAW_FORMATS = frozenset(ext[1:].upper() for ext in RAW_EXTENSIONS) | {"RAW"}
IMAGE_EXTENSIONS = (
    frozenset(
        ".jpg .jpeg .jpe .jfif .png .gif .bmp .dib .tif .tiff .webp .heic .heif .hif .avif .jp2 .ppm .pgm .pbm "
        ".tga .ico .jxl".split()
    )
    | RAW_EXTENSIONS
)
# Companions and media we never sniff: opening them would cost an open() each for nothing.
NEVER_IMAGES = frozenset(
    (
        ".xmp .aae .txt .ini .db .json .xml .html .htm .pdf .doc .docx .csv .md .log .zip .7z .rar .gz .tar "
        ".mov .mp4 .m4v .avi .mkv .mts .m2ts .3gp .wmv .mp3 .m4a .wav .aac .flac .ogg .thm .lrv .pp3 .dop "
        ".py .sh .exe .dll .lnk .url .ds_store"
    ).split()
)
# JPEG XL (cameras, phones' RAW files and editors' exports write it): a bare codestream, or one in its container
JXL_CODESTREAM, JXL_CONTAINER = b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n"
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
    (0, JXL_CONTAINER),  # a bare codestream's 2 bytes are too weak a sign
    # RAW formats whose header is not a plain TIFF one
    (0, b"IIRO"),  # Olympus ORF
    (0, b"IIRS"),
    (0, b"MMOR"),
    (0, b"IIU\x00"),  # Panasonic RW2, Leica RWL
    (0, b"FUJIFILMCCD-RAW"),  # Fujifilm RAF
    (0, b"FOVb"),  # Sigma X3F
    (0, b"\x00MRM"),  # Minolta MRW
)


def looks_like_image(head: bytes) -> bool:
    """True when the first bytes carry a known image signature, whatever the file is called."""
    return any(head[off : off + len(sig)] == sig for off, sig in _MAGICS)


def is_raw_format(fmt: str | None) -> bool:
    """True for an ImageInfo.format that names a camera RAW original (see RAW_FORMATS)."""
    return fmt is not None and fmt in RAW_FORMATS
