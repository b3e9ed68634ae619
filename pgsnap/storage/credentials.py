"""Where the object-storage settings come from, as the AWS tools read them (no boto3).

For S3, from first to last:

1. the environment: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
   ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``;
2. a ``.env`` file in the current or the parent directory, with the same variables (the
   environment wins over it, as for the connection's DB_* variables);
3. the profile ``AWS_PROFILE`` (or ``default``) of ``~/.aws/credentials`` and
   ``~/.aws/config`` (``AWS_SHARED_CREDENTIALS_FILE``, ``AWS_CONFIG_FILE``): keys, region and
   ``endpoint_url``.

GCS and Azure take obstore's own variables (``GOOGLE_*``, ``AZURE_*``), from the environment
or the ``.env`` file.  Pure but for reading those files; nothing here is ever printed.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from pgsnap.errors import UsageError

DEFAULT_REGION = "us-east-1"  # what the AWS tools assume when nothing says otherwise
PREFIXES = ("AWS_", "GOOGLE_", "AZURE_")
_S3_KEYS = {  # our variable -> obstore's S3Config key
    "AWS_ACCESS_KEY_ID": "access_key_id",
    "AWS_SECRET_ACCESS_KEY": "secret_access_key",
    "AWS_SESSION_TOKEN": "session_token",
}
_PROFILE_KEYS = {  # ~/.aws key -> obstore's S3Config key
    "aws_access_key_id": "access_key_id",
    "aws_secret_access_key": "secret_access_key",
    "aws_session_token": "session_token",
    "region": "region",
    "endpoint_url": "endpoint",
}


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """What a store is built with: obstore config keys, and whether plain http is allowed."""

    config: dict[str, str] = field(default_factory=dict)
    allow_http: bool = False
    origin: str = "the environment"  # where the credentials came from (no values)


def environment(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> dict[str, str]:
    """The storage variables: the environment's, over those of the first .env file found."""
    env = os.environ if env is None else env
    merged: dict[str, str] = {}
    for folder in _folders(cwd or Path.cwd()):
        path = folder / ".env"
        if path.is_file():
            values = dotenv_values(path)
            merged = {k: v for k, v in values.items() if v and k.startswith(PREFIXES)}
            break
    merged.update({k: v for k, v in env.items() if v and k.startswith(PREFIXES)})
    return merged


def _folders(cwd: Path) -> tuple[Path, ...]:
    return (cwd, cwd.parent)


def s3_settings(env: Mapping[str, str], home: Path | None = None) -> StoreSettings:
    """The S3 settings from `env` (see environment()) and the AWS profile files.

    Raises UsageError when AWS_PROFILE names a profile that neither file has."""
    profile = _profile(env, home or Path.home())
    config = {k: v for k, v in profile.items() if k != "origin"}
    origin = profile.get("origin", "the environment")
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        for key in _PROFILE_KEYS.values():
            if key in ("access_key_id", "secret_access_key", "session_token"):
                config.pop(key, None)
        config.update({ours: env[var] for var, ours in _S3_KEYS.items() if env.get(var)})
        origin = "the environment (AWS_ACCESS_KEY_ID)"
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    config["region"] = region or config.get("region") or DEFAULT_REGION
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint or "endpoint" in config:
        config["endpoint"] = (endpoint or config["endpoint"]).rstrip("/")
    allow_http = config.get("endpoint", "").lower().startswith("http://")
    return StoreSettings(config, allow_http, origin)


def _profile(env: Mapping[str, str], home: Path) -> dict[str, str]:
    """The chosen profile's settings (obstore keys), and "origin"; {} when there is none."""
    name = env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE")
    creds = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials")
    conf = Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config")
    wanted = name or "default"
    found: dict[str, str] = {}
    seen = False
    for path, section in ((conf, _config_section(wanted)), (creds, wanted)):
        values = _section(path, section)
        if values is not None:
            seen = True
            found.update({ours: values[k] for k, ours in _PROFILE_KEYS.items() if values.get(k)})
    if name and not seen:
        raise UsageError(
            f'AWS_PROFILE names the profile "{name}", which neither {creds} nor {conf} has'
        )
    if seen and "access_key_id" in found:
        found["origin"] = f'the AWS profile "{wanted}"'
    return found


def _config_section(name: str) -> str:
    return "default" if name == "default" else f"profile {name}"


def _section(path: Path, section: str) -> dict[str, str] | None:
    """One section of an ini file, or None when the file or the section is missing (or the
    file is not an ini file: the AWS tools would refuse it, and say so)."""
    parser = configparser.RawConfigParser()
    try:
        if not parser.read(path, encoding="utf-8"):
            return None
    except (configparser.Error, UnicodeDecodeError):
        raise UsageError(f'"{path}" is not a valid AWS configuration file') from None
    if not parser.has_section(section):
        return None
    return {k: v.strip() for k, v in parser.items(section)}
