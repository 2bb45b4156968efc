"""The user's settings: one typed record with defaults, stored as TOML in the platformdirs config folder.

Shared by the CLI and the GUI, so it needs no Qt. Read with tomllib; written by the tiny writer below (flat
keys, strings, numbers, booleans and lists of strings are all this record needs).
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from dedup_gui.core.config import APP_NAME, KEEPER_RULE_NAMES, HashThresholds, ScanConfig
from dedup_gui.core.errors import ConfigError
from dedup_gui.core.types import Mode

log = logging.getLogger("dedup_gui.settings")

SETTINGS_VERSION = 1
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
            hashes=replace(HashThresholds(), phash=self.phash_threshold, dhash=self.dhash_threshold),
            keeper_rules=self.keeper_rules,
        )


def default_settings_path() -> Path:
    env = os.environ.get("DEDUP_GUI_SETTINGS")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def dumps(settings: Settings) -> str:
    lines = ["# dedup-gui settings; edit while the app is closed", ""]
    lines += [f"{k} = {_toml_value(v)}" for k, v in asdict(settings).items()]
    return "\n".join(lines) + "\n"


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
    try:
        return Settings(**values).validated()
    except TypeError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


def load(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults when there is no file yet."""
    path = path or default_settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read the settings at {path}: {exc.strerror}") from exc
    return loads(text)


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
