"""The wheel as pip builds it: licence, one version, the extras each host needs."""

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import dualweb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("dualweb-*.whl")
    return zipfile.ZipFile(built)


def metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_the_wheel_carries_the_licence(wheel):
    licences = [n for n in wheel.namelist() if n.endswith("licenses/LICENSE")]
    assert licences, wheel.namelist()
    assert wheel.read(licences[0]) == (ROOT / "LICENSE").read_bytes()
    assert metadata(wheel)["License-Expression"] == "MIT"


def test_the_version_is_written_once(wheel):
    assert metadata(wheel)["Version"] == dualweb.__version__
    assert "version =" not in (ROOT / "pyproject.toml").read_text().split("[project.optional")[0]
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


def requirements(wheel: zipfile.ZipFile, extra: str) -> set[str]:
    """The names of the distributions ``extra`` requires."""
    names = set()
    for requirement in metadata(wheel).get_all("Requires-Dist") or []:
        spec, _, marker = requirement.partition(";")
        if f"extra == '{extra}'" in marker:
            names.add(spec.split(">")[0].split("=")[0].split("<")[0].strip().lower())
    return names


@pytest.mark.parametrize(
    ("extra", "framework"),
    [("flask", {"flask", "werkzeug"}), ("fastapi", {"fastapi"}), ("starlette", {"starlette"})],
)
def test_every_host_extra_brings_its_framework_and_the_docs_assets(wheel, extra, framework):
    needs = requirements(wheel, extra)
    assert framework | {"python-multipart", "swagger-ui-bundle-v2"} <= needs, needs
    assert "django" not in needs and "drf-spectacular-sidecar" not in needs


def test_the_classifiers_name_the_pythons_the_package_claims(wheel):
    classifiers = metadata(wheel).get_all("Classifier") or []
    assert metadata(wheel)["Requires-Python"] == ">=3.11"
    versions = {
        c.rsplit(" ", 1)[-1]
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    }
    assert versions == {"3.11", "3.12", "3.13"}
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions
    assert "Typing :: Typed" in classifiers
    assert "dualweb/py.typed" in wheel.namelist()
