"""The README's library example runs as printed, on the real ESCO data and the sample credentials."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, require_esco


def test_library_example_runs(esco_matcher: object, tmp_path: Path) -> None:
    require_esco()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The library in one page"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    # A catalogue of its own, so that the example leaves the user's catalogue alone.
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'catalogue.sqlite'}"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 5  # proven skills, each with the credentials that prove it
    assert lines[-1].startswith("energy analyst: ") and "% covered; missing " in lines[-1]
