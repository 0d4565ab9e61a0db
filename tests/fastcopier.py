"""Fast repeated in-process renders with copier, producing exactly the same files.

Tests that render hundreds or thousands of projects (the full product of options, escaping
fuzz) spend most of their time on work that cannot change the output:
- copier builds a new Jinja environment for every project and compiles every template again;
  `copier.run_copy` here uses mlops-new's own Worker (generator/mlops_new/_copier.py), which
  compiles each source once;
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
    from mlops_new._copier import worker_class

    original_load = copier._template.load_template_config
    parsed: dict[tuple, Any] = {}

    def load_once(conf_path, quiet=False):
        key = (str(conf_path), quiet)
        if key not in parsed:
            parsed[key] = original_load(conf_path, quiet)
        return copy.deepcopy(parsed[key])

    faster = worker_class()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(copier._main, "Worker", faster)  # what copier.run_copy instantiates
        patch.setattr(copier._main, "is_git_available", lambda: False)
        patch.setattr(copier._template, "is_git_available", lambda: False)
        patch.setattr(copier._subproject, "is_in_git_repo", lambda _path: False)
        patch.setattr(copier._template, "load_template_config", load_once)
        yield
