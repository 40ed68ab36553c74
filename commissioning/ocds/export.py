"""Streaming bulk export: every published tender's releases as one release package (or JSON
Lines, a release per line), written as it is built.

Memory stays flat whatever the number of tenders: tender ids are read with a server-side
cursor, each chunk's data is loaded as plain rows (commissioning.ocds.data), and each release
is written and dropped at once; only the package's opening and closing surround them.
"""

import json
from collections.abc import Callable

from . import build, validate

DUMP = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def export_releases(
    write: Callable[[str], object],
    *,
    uri: str,
    jsonl: bool = False,
    check: bool = False,
    chunk_size: int = 500,
    on_tender: Callable[[int], object] | None = None,
    queryset=None,
) -> tuple[int, list[str]]:
    """Writes the export through `write`; returns (releases written, schema problems found
    when `check`)."""
    ids = (
        (queryset if queryset is not None else build.published_tenders())
        .filter(build.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not jsonl:
        head = DUMP(build.package_metadata(uri))
        write(head[:-1] + ',"releases":[')
    written, problems = 0, []
    for chunk in _chunks(ids.iterator(chunk_size=chunk_size), chunk_size):
        for tender in build.load(chunk, ascending_chunk=True):
            for release in build.releases_for(tender):
                if check:
                    problems += [f"{release['id']}: {p}" for p in validate.release_errors(release)]
                text = DUMP(release)
                if jsonl:
                    write(text + "\n")
                else:
                    write(("," if written else "") + text)
                written += 1
            if on_tender:
                on_tender(1)
    if not jsonl:
        write("]}\n")
    return written, problems


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
