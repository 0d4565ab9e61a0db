"""The releases of each template source, asked once per source in one fleet command.

Thirty projects made from one template share one `git ls-remote`: that, not threads alone,
is what makes `fleet status` several times faster than thirty `mlops-new check` runs.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from mlops_new import releases
from mlops_new.errors import UsageError


class Releases:
    """The release tags of template sources, each source asked at most once (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: dict[str, Future[list[str]]] = {}
        #: How many sources were asked (for tests and benchmarks).
        self.asked = 0

    def tags(self, source: str) -> list[str]:
        """The source's release tags, oldest first (pre-releases left out).

        Raises:
            UsageError: the source is unreachable, not git, or has no release tag.
        """
        with self._lock:
            future = self._asked.get(source)
            mine = future is None
            if mine:
                future = self._asked[source] = Future()
                self.asked += 1
        if mine:
            try:
                future.set_result(_release_tags(source))
            except UsageError as error:
                future.set_exception(error)
        return future.result()

    def latest(self, source: str) -> str:
        """The source's newest release tag (see `tags`)."""
        return self.tags(source)[-1]

    def behind_by(self, source: str, recorded: str) -> int:
        """How many releases of `source` came after `recorded`."""
        return sum(releases.is_newer(tag, recorded) for tag in self.tags(source))


def _release_tags(source: str) -> list[str]:
    refs = releases.remote_refs(source)
    tags = [r.removeprefix("refs/tags/") for r in refs if r.startswith("refs/tags/")]
    versions = {t: releases.parse_version(t) for t in tags}
    found = sorted(
        (t for t, v in versions.items() if v is not None and not v.is_prerelease),
        key=versions.__getitem__,
    )
    if not found:
        raise UsageError(f"the template at {source} has no release tag (vX.Y.Z)")
    return found
