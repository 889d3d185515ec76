"""The user pages' Python examples run as written (each page's blocks in order, one namespace)."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = [
    "request-and-response.md",
    "background-tasks.md",
    "forms-and-files.md",
    "responses.md",
    "openapi.md",
    "lifespan.md",
    "templates.md",
    "existing-documents.md",
    "hosts.md",
    "streaming.md",
    "websockets.md",
    "security-and-limits.md",
]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert blocks, f"{page} has no python examples"
    namespace = {"__name__": f"docs_{page.replace('-', '_').removesuffix('.md')}"}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{page} (block {number})", "exec")
        exec(code, namespace)
