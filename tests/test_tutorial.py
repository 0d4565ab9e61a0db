"""docs/tutorial.md is executed: every bash block, in order, in one shell, must succeed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess

import pytest

from .helpers import ROOT, free_port

pytestmark = pytest.mark.slow


def test_every_tutorial_command_runs(tmp_path, session_env) -> None:
    page = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) >= 6
    script = "set -euo pipefail\nset -m\n" + "\n".join(blocks)
    shell = subprocess.Popen(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=session_env | {"PORT": str(free_port())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = shell.communicate(timeout=900)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the server, if a step failed early
            os.killpg(shell.pid, signal.SIGTERM)
    assert shell.returncode == 0, out[-4000:]
    assert '"model_loaded":true' in out and '"predictions":["Adelie"]' in out
    assert "Cache and remote 'local' are in sync" in out
