"""The documentation site (mkdocs.yml) builds under --strict: every page in the nav, every
link and anchor found, every included sample present, every reference entry resolved."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason="the site needs the docs extra: pip install -e '.[docs]'")
pytest.importorskip("material", reason="the site needs the docs extra: pip install -e '.[docs]'")
pytest.importorskip("mkdocstrings_handlers.python", reason="pip install -e '.[docs]'")


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # The snippets' paths (docs_src/...) are relative to the working directory.
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def test_the_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    result = build(ROOT, site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr

    home = (site / "index.html").read_text(encoding="utf-8")
    assert "dualweb[flask]" in home and "Middlemarch" in home
    # The tutorial's samples are included whole from docs_src/.
    first = (site / "tutorial" / "first-steps" / "index.html").read_text(encoding="utf-8")
    assert "Hello from dualweb" in first
    serving = (site / "tutorial" / "serving" / "index.html").read_text(encoding="utf-8")
    assert "dualweb.flask.mount" in serving and "dualweb.fastapi.mount" in serving
    # The reference is made from the docstrings.
    routing = (site / "reference" / "routing" / "index.html").read_text(encoding="utf-8")
    assert 'id="dualweb.routing.Router"' in routing
    assert 'id="dualweb.routing.Router.include_router"' in routing
    assert "A group of operations" in routing  # Router's docstring
    hosts = (site / "reference" / "hosts" / "index.html").read_text(encoding="utf-8")
    for host in ("flask", "fastapi", "starlette"):
        assert f'id="dualweb.{host}.mount"' in hosts


def _copy_of_the_site_sources(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs")
    for shared in ("docs_src", "dualweb"):
        (project / shared).symlink_to(ROOT / shared, target_is_directory=True)
    return project


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("[Serving it](serving.md)", "[Serving it](serve.md)", "serve.md"),
        ("(../cli.md)", "(../cli.md#no-such-heading)", "no-such-heading"),
        ('"docs_src/tutorial/first_steps.py"', '"docs_src/tutorial/gone.py"', "gone.py"),
    ],
    ids=["missing-page", "missing-anchor", "missing-sample"],
)
def test_a_broken_link_fails_the_build(tmp_path, old, new, complaint):
    project = _copy_of_the_site_sources(tmp_path)
    page = project / "docs" / "tutorial" / "first-steps.md"
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr
