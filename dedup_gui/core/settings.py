"""The user's settings: one typed record with defaults, stored as TOML in the platformdirs config folder.

Shared by the CLI and the GUI, so it needs no Qt. Read with tomllib, written with tomli_w (any string, control
characters included, survives the round trip). A file that cannot be read is never overwritten: it is set aside
beside itself and the defaults are used, with a notice.
"""

from __future__ import annotations

import logging
import os
import time
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from dedup_gui.core.config import APP_NAME, KEEPER_RULE_NAMES, OLD_DEFAULT_KEEPER_RULES, HashThresholds, ScanConfig
from dedup_gui.core.errors import ConfigError
from dedup_gui.core.types import Mode

log = logging.getLogger("dedup_gui.settings")

SETTINGS_VERSION = 2  # 2: keeper rules "raw" and "metadata" (an untouched old default gets the new one)
DEVICES = ("auto", "cpu", "gpu")
KEEPER_RULES = KEEPER_RULE_NAMES
FOLDER_ROLES = ("scan", "protected", "excluded")


@dataclass(frozen=True, slots=True)
class Settings:
    mode: str = Mode.NEAR.value
    phash_threshold: int = 10  # HashThresholds().phash
    dhash_threshold: int = 14  # HashThresholds().dhash
    device: str = "auto"
    embeddings: bool = True
    # also embed each picture turned 90, 180 and 270 degrees on the processor, where the image model then has four
    # times the work (decoding a simulated library took 1.9 times as long); a graphics card always does
    # (ScanConfig.rotations)
    rotations: bool = False
    keeper_rules: tuple[str, ...] = KEEPER_RULES
    exclude_patterns: tuple[str, ...] = ()
    store_path: str = ""  # empty: the default in the data folder
    folders: tuple[str, ...] = ()  # "role:path", the window's folder list
    version: int = SETTINGS_VERSION

    def validated(self) -> Settings:
        if self.mode not in {m.value for m in Mode}:
            raise ConfigError(f"mode must be one of exact, near, similar (not {self.mode!r})")
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)} (not {self.device!r})")
        if not 0 <= self.phash_threshold <= 64 or not 0 <= self.dhash_threshold <= 64:
            raise ConfigError("hash thresholds are bit distances between 0 and 64")
        unknown = [r for r in self.keeper_rules if r not in KEEPER_RULES]
        if unknown:
            raise ConfigError(f"unknown keeper rules: {', '.join(unknown)}")
        return self

    def folder_roles(self) -> list[tuple[str, str]]:
        """(role, path) pairs of the folder list."""
        out = []
        for entry in self.folders:
            role, _, path = entry.partition(":")
            if role in FOLDER_ROLES and path:
                out.append((role, path))
        return out

    def scan_config(self, roles: list[tuple[str, str]] | None = None) -> ScanConfig:
        roles = self.folder_roles() if roles is None else roles
        scan = tuple(Path(p) for r, p in roles if r != "excluded")
        refs = tuple(Path(p) for r, p in roles if r == "protected")
        excluded = tuple(p for r, p in roles if r == "excluded")
        return ScanConfig(
            roots=scan,
            references=refs,
            excludes=self.exclude_patterns + excluded,
            mode=Mode(self.mode),
            embeddings=self.embeddings and self.mode != Mode.EXACT.value,
            device=self.device,
            rotations=True if self.rotations else None,
            hashes=replace(HashThresholds(), phash=self.phash_threshold, dhash=self.dhash_threshold),
            keeper_rules=self.keeper_rules,
        )


def default_settings_path() -> Path:
    env = os.environ.get("DEDUP_GUI_SETTINGS")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"


def dumps(settings: Settings) -> str:
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(settings).items()}
    return "# dedup-gui settings; edit while the app is closed\n\n" + tomli_w.dumps(data)


def loads(text: str) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the settings file is not valid TOML: {exc}") from exc
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            log.warning("ignoring unknown setting %r", key)
            continue
        values[key] = tuple(value) if isinstance(value, list) else value
    if int(values.get("version", 1)) < 2 and values.get("keeper_rules") == OLD_DEFAULT_KEEPER_RULES:
        values["keeper_rules"] = KEEPER_RULES  # never chosen by the user: the old default becomes the new one
    values["version"] = SETTINGS_VERSION
    try:
        return Settings(**values).validated()
    except TypeError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


def load(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults when there is no file yet; raises ConfigError when it cannot be used."""
    path = path or default_settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the settings at {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    return loads(text)


def load_or_default(path: Path | None = None) -> tuple[Settings, str | None]:
    """(settings, notice): a file that cannot be used is moved aside (never overwritten) and the defaults are used.

    The notice says where the old file went, so the user can repair it; the next save writes a fresh file.
    """
    path = path or default_settings_path()
    try:
        return load(path), None
    except ConfigError as exc:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError as move_exc:
            return Settings(), f"{exc}. Using the defaults; the file was left as it is ({move_exc.strerror})."
        log.warning("settings at %s set aside as %s: %s", path, aside, exc)
        return Settings(), f"{exc}. Using the defaults; your file was kept as {aside}."


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    path = path or default_settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(dumps(settings.validated()), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot save the settings to {path}: {exc.strerror}") from exc
