"""Offline validation against the official OCDS 1.1.5 schemas, with format checks.

The schemas are read from settings.SHARED_DATA_DIR / "ocds" / "1.1.5" (../shared). The package
schemas refer to the release schema by its URL; a `referencing.Registry` maps that URL to the
local file, so no network is needed. If the shared directory is missing, the files are fetched
from the standard's site once and cached under var/ocds-schema/1.1.5.
"""

import json
import urllib.request
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_VERSION = "1.1.5"
PUBLIC_HOME = "https://standard.open-contracting.org/schema/1__1__5/"
RELEASE_SCHEMA_URL = PUBLIC_HOME + "release-schema.json"
SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
)


class SchemaUnavailable(RuntimeError):
    """Neither ../shared nor the network (nor the cache) has the schema."""


def shared_schema_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "ocds" / SCHEMA_VERSION


def cache_dir() -> Path:
    return Path(settings.BASE_DIR) / "var" / "ocds-schema" / SCHEMA_VERSION


def codelist_dir() -> Path:
    return shared_schema_dir() / "codelists"


def schema_path(name: str) -> Path:
    """The local copy of `name`: ../shared when it is there, else the cache (filled from the
    public home on first use)."""
    shared = shared_schema_dir() / name
    if shared.exists():
        return shared
    cached = cache_dir() / name
    if not cached.exists():
        try:
            # PUBLIC_HOME is a constant https URL (bandit B310 fears file: and custom schemes).
            with urllib.request.urlopen(PUBLIC_HOME + name, timeout=30) as response:  # noqa: S310  # nosec B310
                content = response.read()
        except OSError as error:
            raise SchemaUnavailable(
                f"The OCDS {SCHEMA_VERSION} schema is not in {shared_schema_dir()} and could not "
                f"be fetched from {PUBLIC_HOME}{name}: {error}"
            ) from error
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(content)
    return cached


@cache
def _schema(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Draft4Validator:
    release = _schema("release-schema.json")
    registry = Registry().with_resource(
        RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(_schema(name), registry=registry, format_checker=FormatChecker())


def errors(data, kind: str) -> list[str]:
    """Every schema error in `data` (kind: "release", "release-package" or "record-package"),
    each as "path: message", in a stable order."""
    validator = _validator(f"{kind}-schema.json")
    found = []
    for error in validator.iter_errors(data):
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{path}: {error.message}")
    return sorted(found)


def release_errors(release: dict) -> list[str]:
    return errors(release, "release")


def release_package_errors(package: dict) -> list[str]:
    return errors(package, "release-package")


def record_package_errors(package: dict) -> list[str]:
    return errors(package, "record-package")
