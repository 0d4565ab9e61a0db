"""Fast repeated in-process renders with copier, producing exactly the same files.

Tests that render hundreds or thousands of projects (the full product of options, escaping
fuzz) spend most of their time on work that cannot change the output:
- copier builds a new Jinja environment for every project and compiles every template again;
  the compiled code depends only on the source and the environment's options, so it is
  memoised on exactly those;
- copier asks git (a subprocess each) whether the template and the destination are git
  repositories, and syncs executable bits into a git index per file; these renders use a plain
  template folder and fresh destinations outside any repository, where every answer is "no";
- copier parses copier.yml once per render; it is parsed once, and each render gets a copy.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def accelerated() -> Iterator[None]:
    """Within this block, copier renders faster (see the module's docstring)."""
    import copier._main
    import copier._subproject
    import copier._template
    import jinja2

    original_compile = jinja2.Environment.compile
    compiled: dict[tuple, Any] = {}

    def compile_once(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw:
            return original_compile(self, source, name, filename, raw, defer_init)
        key = (
            type(self),
            tuple(sorted(self.extensions)),
            self.keep_trailing_newline,
            self.trim_blocks,
            self.lstrip_blocks,
            self.newline_sequence,
            bool(self.autoescape),
            str(source),
            name,
            defer_init,
        )
        if key not in compiled:
            compiled[key] = original_compile(self, source, name, filename, raw, defer_init)
        return compiled[key]

    original_load = copier._template.load_template_config
    parsed: dict[tuple, Any] = {}

    def load_once(conf_path, quiet=False):
        key = (str(conf_path), quiet)
        if key not in parsed:
            parsed[key] = original_load(conf_path, quiet)
        return copy.deepcopy(parsed[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", compile_once)
        patch.setattr(copier._main, "is_git_available", lambda: False)
        patch.setattr(copier._template, "is_git_available", lambda: False)
        patch.setattr(copier._subproject, "is_in_git_repo", lambda _path: False)
        patch.setattr(copier._template, "load_template_config", load_once)
        yield
