import shutil
import tempfile
from pathlib import Path

from dualweb.testing import HOSTS, TestClient, client_for_app

workdir = Path(tempfile.mkdtemp())
templates_dir = workdir / "templates"
templates_dir.mkdir()
(templates_dir / "base.html").write_text(
    "<title>{% block title %}{% endblock %}</title>\n<main>{% block main %}{% endblock %}</main>"
)
(templates_dir / "item.html").write_text(
    '{% extends "base.html" %}\n'
    "{% block title %}{{ item.name }}{% endblock %}\n"
    "{% block main %}<h1>{{ item.name }}</h1>"
    "<a href=\"{{ url_for('read_item', item_id=item.id + 1) }}\">next</a>{% endblock %}"
)
