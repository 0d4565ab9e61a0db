"""copier's `Worker`, minus two costs that cannot change what it writes.

`copier.run_copy(...)` is `Worker(...).run_copy()`, and `run_update` the same; create and
update use this subclass instead. It renders the same files with the same modes, byte for byte
(tests/test_plain_copier.py compares them), in about two thirds of the time (benchmarks/):

- copier compiles every path part and templated string anew: about 600 compilations of
  about 200 distinct sources for one project, three times as many for an update (which
  renders the old release, the new one and the result), a third of a render's time. Here
  each distinct source is compiled once per process for Jinja environments with the same
  settings, and its code is kept on disk (`~/.cache/mlops-new/jinja`, as Python keeps
  `__pycache__`), so the next run compiles nothing that has not changed. Extensions'
  `preprocess` still runs on every use, because copier's `{% yield %}` tag resets its
  state there.
- after writing each file, copier runs `git config --get core.fileMode` (a subprocess per
  file, about 150 in an update) to decide whether to mirror executable bits into the git
  index. The setting does not change during a render: here it is read once per render, and
  copier's sync runs exactly where it would have done something (`core.fileMode=false`).

Both override copier internals (the class is `copier._main.Worker`; `from copier import
Worker` warns that it is internal). With a copier release that moved either, plain `Worker` is
used: correct, only slower; tests/test_plain_copier.py fails then, so that an upgrade cannot
lose the savings unnoticed.

`user_errors` is the one place that decides which of copier's failures are the user's to fix.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError, one_line

#: Compiled code by (environment settings, source, name, filename, raw, defer_init).
_COMPILED: dict[tuple, Any] = {}


def _settings(env: Any) -> tuple:
    """Everything in a Jinja environment that changes the code it compiles a source to."""
    return (
        type(env),
        tuple(sorted(env.extensions)),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        env.autoescape,
        env.finalize,
        env.code_generator_class,
    )


def _stable(value: Any) -> str:
    """A setting as text that is the same in every process (classes and functions by name)."""
    if isinstance(value, tuple):
        return "(" + ",".join(_stable(v) for v in value) + ")"
    if isinstance(value, type) or callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', value)}"
    return repr(value)


def cache_dir() -> Path | None:
    """Where compiled template code is kept between runs (safe to delete at any time):
    $MLOPS_NEW_CACHE_DIR, else $XDG_CACHE_HOME/mlops-new, else ~/.cache/mlops-new."""
    if os.environ.get("MLOPS_NEW_CACHE_DIR"):
        return Path(os.environ["MLOPS_NEW_CACHE_DIR"]) / "jinja"
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home folder to be found
        return None
    return Path(base) / "mlops-new" / "jinja"


class _DiskCache:
    """Compiled code by a digest of everything it depends on; marshal, like __pycache__."""

    def __init__(self, settings: tuple) -> None:
        import importlib.util

        # An extension can change how a source parses (copier's {% yield %}): its version too.
        packages = sorted({name.partition(".")[0] for name in settings[1]} | {"jinja2"})
        versions = [f"{p}={getattr(sys.modules.get(p), '__version__', '?')}" for p in packages]
        self.salt = "\0".join(
            [_stable(settings), *versions, importlib.util.MAGIC_NUMBER.hex()]
        ).encode()
        self.root = cache_dir()

    def _path(self, source: str, name: str | None, defer_init: bool) -> Path:
        assert self.root is not None
        # Not the file name: a git template is cloned to a new temporary folder at each run.
        digest = hashlib.sha256(self.salt)
        for part in (source, repr(name), repr(defer_init)):
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        hexed = digest.hexdigest()
        return self.root / hexed[:2] / hexed[2:]

    def get(self, source: str, name: str | None, filename: str | None, defer_init: bool) -> Any:
        if self.root is None:
            return None
        try:
            code = marshal.loads(self._path(source, name, defer_init).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable or corrupt
            return None
        if not isinstance(code, types.CodeType):
            return None
        return _with_filename(code, "<template>" if filename is None else filename)

    def put(self, code: Any, source: str, name: str | None, defer_init: bool) -> None:
        if self.root is None:
            return
        path = self._path(source, name, defer_init)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(code))
            os.replace(partial, path)  # readers see the whole file or none
        except OSError:
            pass  # a read-only or full disk: compile again next time


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    """The code as compiled from `filename` (tracebacks name the file of this run)."""
    if code.co_filename == filename:
        return code
    consts = tuple(
        _with_filename(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def compile_each_source_once(env: Any) -> None:
    """Memoise `env.compile` in this process and on disk, for environments with the same
    settings."""
    compile_source = env.compile
    settings = _settings(env)
    disk = _DiskCache(settings)

    def compile_once(source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):  # a parsed template (copier passes text)
            return compile_source(source, name, filename, raw, defer_init)
        key = (settings, str(source), name, filename, raw, defer_init)
        if key in _COMPILED:
            env.preprocess(str(source), name, filename)  # extensions' side effects, as before
            return _COMPILED[key]
        code = None if raw else disk.get(str(source), name, filename, defer_init)
        if code is None:
            code = compile_source(source, name, filename, raw, defer_init)
            if not raw:
                disk.put(code, str(source), name, defer_init)
        else:
            env.preprocess(str(source), name, filename)
        _COMPILED[key] = code
        return code

    env.compile = compile_once


@contextlib.contextmanager
def user_errors(doing: str, *, any_failure: bool = False) -> Iterator[None]:
    """Turn copier's failures that the user can fix into a one-line UsageError.

    They are the template's or the answers' (copier's own errors, Jinja errors, the bare
    ValueError and TypeError copier raises on bad input), the file system's (OSError) and git's
    (plumbum's ProcessExecutionError: git's last line says why). Anything else is a bug and
    propagates, unless `any_failure` (reading a template the user named, where any failure is
    the source's).

    Args:
        doing: what failed, for the message: "cannot update proj", "copier could not render X".
    """
    from copier.errors import CopierError
    from jinja2 import TemplateError
    from plumbum import ProcessExecutionError

    try:
        yield
    except UsageError:
        raise
    except ProcessExecutionError as error:
        lines = [ln.strip() for ln in str(error.stderr).splitlines() if ln.strip()]
        reason = (lines or [f"git exited with {error.retcode}"])[-1].removeprefix("fatal: ")
        raise UsageError(f"{doing}: {reason}") from None
    except Exception as error:
        mine = (ValueError, TypeError, OSError, CopierError, TemplateError)
        if any_failure or isinstance(error, mine):
            raise UsageError(f"{doing}: {one_line(error)}") from None
        raise


@functools.cache
def worker_class() -> type:
    """The `Worker` subclass (built on first use: importing copier takes a quarter second)."""
    # HACK(https://github.com/copier-org/copier/issues): `copier._main.Worker` is internal
    # (copier's public API is run_copy, run_recopy and run_update). Goes when copier caches
    # compiled templates itself and stops asking git for core.fileMode once per file.
    from copier._main import Worker

    overridden = (
        Worker.__dict__.get("jinja_env"),
        Worker.__dict__.get("_sync_git_index_executable_bit"),
    )
    if not isinstance(overridden[0], functools.cached_property) or not callable(overridden[1]):
        return Worker  # a copier release that moved these: its own behaviour, only slower

    class FasterWorker(Worker):
        @functools.cached_property
        def jinja_env(self) -> Any:
            env = super().jinja_env
            compile_each_source_once(env)
            return env

        @functools.cached_property
        def _git_file_mode(self) -> str:
            """`git config --type=bool --get core.fileMode` where copier would ask it."""
            try:
                run = subprocess.run(
                    ["git", "config", "--type=bool", "--get", "core.fileMode"],
                    cwd=Path(self.subproject.local_abspath),
                    capture_output=True,
                    text=True,
                    check=False,
                )
            except OSError:  # no git: copier skips the sync too
                return ""
            return run.stdout.strip() if run.returncode == 0 else ""

        def _sync_git_index_executable_bit(self, dst_relpath: Path, src_mode: int) -> None:
            # copier's sync returns at once unless the setting is "false" (see module doc).
            if self._git_file_mode == "false":
                super()._sync_git_index_executable_bit(dst_relpath, src_mode)

    return FasterWorker


def render(
    src: str, dst: Path, answers: Mapping[str, Any], vcs_ref: str | None, *, doing: str
) -> None:
    """copier's `run_copy` of `src` at `vcs_ref` into `dst` with `answers`, every other
    question taking its default; copier's user errors become `UsageError("{doing}: ...")`."""
    with (
        user_errors(doing),
        worker_class()(
            src_path=src,
            dst_path=dst,
            data=dict(answers),
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            unsafe=False,
            overwrite=True,
        ) as worker,
    ):
        worker.run_copy()
