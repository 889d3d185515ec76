"""The guide pages' samples run as the pages show them.

Every Python sample of a guide page is a file, ``docs_src/<page>/NN_<name>.py``, that the
page includes whole (``--8<--``). A page's samples build on each other, so they run here in
order in one namespace. The pytest files of the testing page (``NN_conftest.py``,
``NN_test_*.py``) run under pytest instead, in tests/test_testing_plugin.py. The samples of
the tutorial, the deployment page and the moving pages (``OWN_TESTS``) have their own tests,
in tests/test_docs_src.py.
"""

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SAMPLES = ROOT / "docs_src"
BOOKSTORE = ROOT / "examples" / "migration"
INCLUDE = re.compile(r'^ *--8<-- "([^"]+)"\s*$', re.MULTILINE)
INLINE_PYTHON = re.compile(r"^ *```python[^\n]*\n(?! *--8<-- )", re.MULTILINE)
A_HOST = r'"(?:flask|fastapi|starlette)"'
ONE_HOST = re.compile(rf"(?:TestClient|build_app)\(\s*\w+,\s*(?:target=)?({A_HOST})")

# The samples that serve a router on one named host, and why that one. Every other sample
# that makes a client of a router loops over the hosts (``for target in ...``), so what it
# shows is proven on each; a loop over Flask and Starlette alone is one whose keywords only
# their ``mount`` takes (FastAPI takes the docs keywords on its own constructor). Samples
# that build a framework's own app (``flask.Flask(...)``) show that framework's side.
SINGLE_HOST = {
    # Flask code around the handler: a before_request hook filling flask.g.
    "request_and_response/06_url_for.py": "flask",
    # The code after the migration to FastAPI, which the page is about.
    "migration/06_plain_sqlalchemy.py": "fastapi",
}


#: Sample directories tested by tests/test_docs_src.py instead (files named for what they
#: are, run as a reader runs them: the tutorial, the deployment page's app, the moving pages).
OWN_TESTS = {"tutorial", "deployment", "moving"}


def guide_pages() -> list[str]:
    return sorted(
        page.stem
        for page in DOCS.glob("*.md")
        if page.stem.replace("-", "_") not in OWN_TESTS
        and f'"docs_src/{page.stem.replace("-", "_")}/' in page.read_text(encoding="utf-8")
    )


def samples_of(page: str) -> list[Path]:
    return sorted((SAMPLES / page.replace("-", "_")).glob("[0-9][0-9]_*.py"))


def runs_under_pytest(sample: Path) -> bool:
    name = sample.stem[3:]
    return name == "conftest" or name.startswith("test_")


@pytest.fixture
def page_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Whatever the pages' samples import from outside the page, and a clean exit.

    The bridge page imports the reader's own two apps (``legacy``, ``service``); the
    migration page imports the bookstore of examples/migration/ (its database in a
    temporary directory), whose modules are dropped afterwards.
    """
    import fastapi
    import flask

    legacy = types.ModuleType("legacy")
    legacy.flask_app = flask.Flask("legacy")
    service = types.ModuleType("service")
    service.fastapi_app = fastapi.FastAPI()
    monkeypatch.setitem(sys.modules, "legacy", legacy)
    monkeypatch.setitem(sys.modules, "service", service)
    monkeypatch.syspath_prepend(str(BOOKSTORE))
    monkeypatch.setenv("BOOKSTORE_DB", str(tmp_path / "bookstore.sqlite3"))
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "")).startswith(str(BOOKSTORE)):
            del sys.modules[name]


@pytest.mark.parametrize("page", guide_pages())
def test_page_samples_run(page, page_setup):
    samples = [sample for sample in samples_of(page) if not runs_under_pytest(sample)]
    assert samples, f"{page}.md includes no samples"
    namespace = {"__name__": f"docs_{page.replace('-', '_')}"}
    for sample in samples:
        code = compile(sample.read_text(encoding="utf-8"), str(sample.relative_to(ROOT)), "exec")
        exec(code, namespace)


def test_every_include_names_a_file():
    for page in DOCS.rglob("*.md"):
        for path in INCLUDE.findall(page.read_text(encoding="utf-8")):
            assert (ROOT / path).is_file(), f"{page.relative_to(ROOT)} includes {path}"


def test_every_sample_is_included_by_one_page_in_order():
    included: dict[str, list[str]] = {}
    for page in DOCS.rglob("*.md"):
        for path in INCLUDE.findall(page.read_text(encoding="utf-8")):
            included.setdefault(path, []).append(page.name)
    for sample in SAMPLES.rglob("*.py"):
        path = str(sample.relative_to(ROOT))
        if sample.parent.name not in OWN_TESTS:  # tests/test_docs_src.py checks those
            assert len(included.get(path, [])) == 1, f"{path} is included by {included.get(path)}"
    for page in guide_pages():
        text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
        directory = f"docs_src/{page.replace('-', '_')}/"
        shown = [path for path in INCLUDE.findall(text) if path.startswith(directory)]
        assert shown == [str(sample.relative_to(ROOT)) for sample in samples_of(page)]
        numbers = [int(Path(path).name[:2]) for path in shown]
        assert numbers == list(range(1, len(shown) + 1)), f"{page}.md: {shown}"


def test_no_guide_page_holds_inline_python():
    pages = [page for page in DOCS.rglob("*.md") if "reference" not in page.parts]
    for page in pages:
        assert not INLINE_PYTHON.search(page.read_text(encoding="utf-8")), page.name


def test_a_sample_on_one_host_says_why():
    one_host = {
        str(sample.relative_to(SAMPLES)): ONE_HOST.findall(sample.read_text(encoding="utf-8"))
        for sample in SAMPLES.glob("*/[0-9][0-9]_*.py")
    }
    assert {sample: hosts for sample, hosts in one_host.items() if hosts} == {
        sample: [f'"{host}"'] for sample, host in SINGLE_HOST.items()
    }
