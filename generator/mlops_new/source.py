"""Where the template comes from, and what a generated project records as its source."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlops_new import _git
from mlops_new.errors import UsageError

#: The public repository of the template: the one place that names it. Generated projects
#: record it as `_src_path`, so plain `copier update` finds the template with no mlops-new.
TEMPLATE_URL = "https://github.com/mlops-new/mlops-new.git"

_PACKAGE = Path(__file__).resolve().parent
#: A source that is an address, not a path: `scheme://`, copier's prefixes, or scp-like ssh.
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|git\+|gh:|gl:|[\w.-]+@[\w.-]+:)", re.I)


def is_url(source: str) -> bool:
    """Whether a template source is an address rather than a local path."""
    return bool(_URL.match(source))


def git_url(source: str) -> str | None:
    """What git is given for a template source, read as copier reads it (`gh:` and `gl:`
    expanded, `git+` dropped, `.git` added to GitHub and GitLab addresses, local clones and
    bundles as paths); None where copier would not take it for a git repository."""
    # HACK(https://github.com/copier-org/copier/issues): copier's public API is run_copy,
    # run_recopy and run_update; `copier._vcs.get_repo` is the reading `copier update` itself
    # uses. Goes when copier exports it (or a "latest release of SRC" function).
    from copier._vcs import get_repo

    return get_repo(source)


@dataclass(frozen=True)
class Source:
    """A template to render from, and what to record about it in the project."""

    #: What copier renders from: a plain folder (the bundled copy) or a git source.
    render_from: str
    #: `_src_path` to record, or None to keep what copier wrote (a git source records itself).
    record_src: str | None = None
    #: `_commit` to record alongside `record_src`.
    record_commit: str | None = None

    @property
    def bundled(self) -> bool:
        """Whether this is the copy of the template shipped inside mlops-new."""
        return self.record_src is not None


def release_tag() -> str:
    """The git tag of the template release this mlops-new carries (`vX.Y.Z`)."""
    from mlops_new import __version__

    return f"v{__version__}"


@contextmanager
def bundled() -> Iterator[Source]:
    """The template shipped with mlops-new, as a plain folder copier renders offline.

    An installed wheel carries it under `mlops_new/_template`. In a development checkout the
    repository root holds it; copier would clone that (it is a git repository root), so a
    plain copy of `copier.yml` and `template/` is rendered instead.
    """
    shipped = _PACKAGE / "_template"
    if (shipped / "copier.yml").is_file():
        yield Source(str(shipped), TEMPLATE_URL, release_tag())
        return
    root = _PACKAGE.parents[1]
    if not (root / "copier.yml").is_file() or not (root / "template").is_dir():
        raise UsageError("the bundled template is missing from this install; reinstall mlops-new")
    with tempfile.TemporaryDirectory(prefix="mlops-new-template-") as tmp:
        shutil.copy2(root / "copier.yml", tmp)
        shutil.copytree(root / "template", Path(tmp, "template"), symlinks=True)
        yield Source(tmp, TEMPLATE_URL, release_tag())


def resolve(template: str) -> Source:
    """Check a `--template` source: a git URL, a local git clone, or a git bundle.

    Local paths are made absolute, so the project never records a relative path.

    Raises:
        UsageError: the path does not exist or is a plain folder (which cannot be updated from).
    """
    web = template.startswith(("http://", "https://")) and not template.endswith(".git")
    if web and not template.startswith(("https://github.com/", "https://gitlab.com/")):
        # copier takes any other web address without .git for a local folder; git+ says it
        # is a git repository (copier strips the prefix; `copier update` reads it too).
        return Source(f"git+{template}")
    if is_url(template):
        return Source(template)
    path = Path(template).expanduser()
    if not path.exists():
        raise UsageError(f"--template {template}: no such folder or git URL")
    path = path.resolve()
    if path.is_file():  # a git bundle; copier checks it
        return Source(str(path))
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UsageError(
            f"--template {template}: no copier.yml at its root, so it is not a template"
        )
    top = _git.attempt("-C", str(path), "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0 or Path(top.stdout.strip()).resolve() != path:
        raise UsageError(
            f"--template {template} is a plain folder, not a git repository: projects made from it "
            "could never be updated. Commit it to git (and tag a release, e.g. v1.0.0) first."
        )
    return Source(str(path))
