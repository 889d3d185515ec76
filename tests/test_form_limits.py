"""Form limits and malformed forms: one table, the same answer on every host.

The core decodes every form (``dualweb._core.forms``); the hosts only hand it
the body's chunks. Each row is sent, urlencoded or multipart, to the same
router on each host and must get exactly the status and body the row says.
(A urlencoded field counts its name and its value against ``max_part_size``,
as Starlette counts it.)
"""

from typing import Annotated

import pytest

import dualweb
from dualweb.requests import FormLimits
from tests._helpers import field_part, file_part, multipart_body

B = b"limits-boundary"
MULTIPART = f"multipart/form-data; boundary={B.decode()}"
URLENCODED = "application/x-www-form-urlencoded"


def multipart(*parts: bytes) -> bytes:
    return multipart_body(B.decode(), *parts)


def upload(name: str, filename: str, content: bytes) -> bytes:
    return file_part(name, filename, content, "text/plain")


def build() -> dualweb.Router:
    router = dualweb.Router()
    limits = FormLimits(max_fields=2, max_files=1, max_part_size=1024)

    @router.post("/form", form_limits=limits, max_body_size=4096)
    def form(request: dualweb.Request, a: Annotated[str, dualweb.Form()] = ""):
        fields = request.form_sync()
        return {
            "a": a,
            "fields": sorted(k for k, v in fields.multi_items() if isinstance(v, str)),
            "files": {
                k: [v.filename, v.size, v.file.read().decode()]
                for k, v in fields.multi_items()
                if isinstance(v, dualweb.UploadFile)
            },
        }

    return router


TOO_MANY_FIELDS = (413, {"detail": "Too many fields. Maximum number of fields is 2."})
TOO_MANY_FILES = (413, {"detail": "Too many files. Maximum number of files is 1."})
PART_TOO_LARGE = (413, {"detail": "Part exceeded maximum size of 1KB."})
TOO_LARGE = (413, {"detail": "Content Too Large"})


def ok(a: str = "", fields=(), files=None):
    return (200, {"a": a, "fields": sorted(fields), "files": files or {}})


ROWS = [
    # id, content type, body, (status, json)
    ("urlencoded-ok", URLENCODED, b"a=1&b=2", ok("1", ["a", "b"])),
    ("urlencoded-decoding", URLENCODED, b"a=x+y%20z%C3%A9", ok("x y zé", ["a"])),
    ("urlencoded-blank", URLENCODED, b"a=&b", ok("", ["a", "b"])),
    ("urlencoded-fields", URLENCODED, b"a=1&b=2&c=3", TOO_MANY_FIELDS),
    ("urlencoded-part", URLENCODED, b"a=" + b"x" * 1024, PART_TOO_LARGE),
    ("urlencoded-part-exact", URLENCODED, b"a=" + b"x" * 1023, ok("x" * 1023, ["a"])),
    (
        "multipart-ok",
        MULTIPART,
        multipart(field_part("a", b"1"), field_part("b", b"2")),
        ok("1", ["a", "b"]),
    ),
    (
        "multipart-fields",
        MULTIPART,
        multipart(field_part("a", b"1"), field_part("b", b"2"), field_part("c", b"3")),
        TOO_MANY_FIELDS,
    ),
    ("multipart-part", MULTIPART, multipart(field_part("a", b"x" * 1025)), PART_TOO_LARGE),
    (
        "multipart-part-exact",
        MULTIPART,
        multipart(field_part("a", b"x" * 1024)),
        ok("x" * 1024, ["a"]),
    ),
    (
        "multipart-file",
        MULTIPART,
        multipart(field_part("a", b"1"), upload("f", "f.txt", b"y" * 2000)),
        ok("1", ["a"], {"f": ["f.txt", 2000, "y" * 2000]}),
    ),
    (
        "multipart-files",
        MULTIPART,
        multipart(upload("f", "1.txt", b"1"), upload("g", "2.txt", b"2")),
        TOO_MANY_FILES,
    ),
    ("body-size", MULTIPART, multipart(upload("f", "f.txt", b"z" * 5000)), TOO_LARGE),
    (
        "no-boundary",
        "multipart/form-data",
        b"x",
        (400, {"detail": "Missing boundary in multipart."}),
    ),
    ("garbage", MULTIPART, b"garbage", (400, {"detail": "Invalid multipart data."})),
    (
        "no-name",
        MULTIPART,
        multipart(b"Content-Disposition: form-data\r\n\r\nx"),
        (400, {"detail": 'The Content-Disposition header field "name" must be provided.'}),
    ),
    ("empty-multipart", MULTIPART, b"", ok()),
    ("ends-early", MULTIPART, b"--" + B + b"\r\n" + field_part("a", b"cut"), ok()),
    ("not-a-form", "text/plain", b"a=1", ok()),
    (
        "latin-1-charset",
        MULTIPART.replace("multipart/form-data", "multipart/form-data; charset=latin-1"),
        multipart(field_part("a", "é".encode("latin-1"))),
        ok("é", ["a"]),
    ),
    (
        "undecodable-utf8",
        MULTIPART,
        multipart(field_part("a", b"\xff")),
        ok("ÿ", ["a"]),
    ),
]


@pytest.mark.parametrize(
    ("content_type", "body", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_form_table(serve, content_type, body, expected):
    client = serve(build())
    response = client.post("/form", content=body, headers={"content-type": content_type})
    assert (response.status_code, response.json()) == expected
