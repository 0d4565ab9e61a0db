"""copier's `Worker`, minus two costs that cannot change what it writes.

`copier.run_copy(...)` is `Worker(...).run_copy()`, and `run_update` the same; create and
update use this subclass instead. It renders the same files with the same modes, byte for byte
(tests/test_plain_copier.py compares them), in about two thirds of the time (benchmarks/):

- copier compiles every path part and templated string anew: about 570 compilations of
  about 220 distinct sources for one project, three times as many for an update (which
  renders the old release, the new one and the result). Here each distinct source is
  compiled once per process, for Jinja environments with the same settings. Extensions'
  `preprocess` still runs on every use, because copier's `{% yield %}` tag resets its
  state there.
- after writing each file, copier runs `git config --get core.fileMode` (a subprocess per
  file, about 150 in an update) to decide whether to mirror executable bits into the git
  index. The setting does not change during a render: here it is read once per render, and
  copier's sync runs exactly where it would have done something (`core.fileMode=false`).

Both override copier internals (the class is `copier._main.Worker`; `from copier import
Worker` warns that it is internal). tests/test_plain_copier.py fails if a copier release
renames what is overridden here, so an upgrade cannot silently lose either saving.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

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


def compile_each_source_once(env: Any) -> None:
    """Memoise `env.compile`, across environments with the same settings."""
    compile_source = env.compile
    settings = _settings(env)

    def compile_once(source, name=None, filename=None, raw=False, defer_init=False):
        key = (settings, str(source), name, filename, raw, defer_init)
        if key in _COMPILED:
            env.preprocess(str(source), name, filename)  # extensions' side effects, as before
        else:
            _COMPILED[key] = compile_source(source, name, filename, raw, defer_init)
        return _COMPILED[key]

    env.compile = compile_once


@functools.cache
def worker_class() -> type:
    """The `Worker` subclass (built on first use: importing copier takes a quarter second)."""
    from copier._main import Worker

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
