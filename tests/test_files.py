"""File() and UploadFile, several files, optional files, limits, on every host vs FastAPI."""

import subprocess
import sys
import textwrap
from typing import Annotated, Optional

import pytest

from dualweb.requests import FormLimits
from tests._helpers import fastapi_has, file_part, multipart_body

BOUNDARY = "dualweb-files-boundary"


def raw_multipart(*parts: bytes) -> dict:
    """A hand-written multipart body, for what an httpx client cannot send."""
    return {
        "content": multipart_body(BOUNDARY, *parts),
        "headers": {"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    }


# --- bytes and UploadFile ----------------------------------------------------------------


def build_files(api):
    router = api.Router()

    @router.post("/bytes")
    def as_bytes(file: Annotated[bytes, api.File()]):
        return {"size": len(file), "text": file.decode("latin-1")}

    @router.post("/bytes-default-style")
    async def bytes_default_style(file: bytes = api.File(description="raw")):
        return {"size": len(file)}

    @router.post("/upload")
    async def upload(file: api.UploadFile):
        content = await file.read()
        return {
            "filename": file.filename,
            "content_type": file.content_type,
            "size": file.size,
            "content": content.decode(),
            "part_headers": sorted(file.headers.keys()),
        }

    @router.post("/upload-file-marker")
    def upload_marker(file: Annotated[api.UploadFile, api.File(description="a file")]):
        # A sync handler reads the underlying file directly.
        return {"filename": file.filename, "content": file.file.read().decode()}

    @router.post("/optional-bytes")
    def optional_bytes(file: Annotated[Optional[bytes], api.File()] = None):
        return {"size": None if file is None else len(file)}

    @router.post("/optional-upload")
    async def optional_upload(file: Optional[api.UploadFile] = None):
        return {"filename": None if file is None else file.filename}

    return router


def test_file_as_bytes(parity):
    results = parity(
        build_files,
        [
            ("POST", "/bytes", {"files": {"file": ("a.txt", b"hello", "text/plain")}}),
            ("POST", "/bytes", {"files": {"file": ("a.bin", bytes(range(256)))}}),
            ("POST", "/bytes-default-style", {"files": {"file": ("a.txt", b"12345")}}),
            ("POST", "/bytes", {"files": {"other": ("a.txt", b"hello")}}),
            ("POST", "/bytes"),
            # A plain field where bytes are expected: its text is the content, as FastAPI.
            ("POST", "/bytes", {"data": {"file": "as text"}}),
        ],
    )
    assert results[0].json() == {"size": 5, "text": "hello"}
    assert results[1].json()["size"] == 256
    assert results[2].json() == {"size": 5}
    assert results[3].status_code == 422
    assert results[3].json()["detail"] == [
        {"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}
    ]
    assert results[4].status_code == 422
    assert results[5].json() == {"size": 7, "text": "as text"}


def test_upload_file_attributes(parity):
    results = parity(
        build_files,
        [
            ("POST", "/upload", {"files": {"file": ("notes.txt", b"some notes", "text/plain")}}),
            ("POST", "/upload", {"files": {"file": ("data.csv", b"a,b\n1,2\n", "text/csv")}}),
            (
                "POST",
                "/upload",
                raw_multipart(file_part("file", "plain.dat", b"no type given")),
            ),
            (
                "POST",
                "/upload",
                raw_multipart(
                    b'Content-Disposition: form-data; name="file"; filename="x.txt"\r\n'
                    b"Content-Type: text/plain\r\nX-Extra: yes\r\n\r\nwith extra header"
                ),
            ),
            ("POST", "/upload-file-marker", {"files": {"file": ("s.txt", b"sync read")}}),
            ("POST", "/upload"),
        ],
    )
    assert results[0].json() == {
        "filename": "notes.txt",
        "content_type": "text/plain",
        "size": 10,
        "content": "some notes",
        "part_headers": ["content-disposition", "content-type"],
    }
    assert results[1].json()["content_type"] == "text/csv"
    assert results[2].json()["content_type"] is None
    assert results[2].json()["size"] == 13
    assert results[3].json()["part_headers"] == ["content-disposition", "content-type", "x-extra"]
    assert results[4].json() == {"filename": "s.txt", "content": "sync read"}
    assert results[5].json()["detail"][0]["loc"] == ["body", "file"]


def test_optional_files(parity):
    results = parity(
        build_files,
        [
            ("POST", "/optional-bytes"),
            ("POST", "/optional-bytes", {"files": {"file": ("a", b"abc")}}),
            ("POST", "/optional-upload"),
            ("POST", "/optional-upload", {"files": {"file": ("b.txt", b"x")}}),
            # An empty file that has a name is a file.
            ("POST", "/upload", {"files": {"file": ("empty.txt", b"", "text/plain")}}),
        ],
    )
    assert results[0].json() == {"size": None}
    assert results[1].json() == {"size": 3}
    assert results[2].json() == {"filename": None}
    assert results[3].json() == {"filename": "b.txt"}
    assert results[4].json()["size"] == 0
    assert results[4].json()["filename"] == "empty.txt"


#: FastAPI 0.150 reads a file part with filename "" and no content (what a browser sends
#: for a file input left empty) as no file; before, as an empty file named "".
FASTAPI_EMPTY_FILE_INPUT = "0.150.0"
# A browser sends a file input left empty as a part with filename "" and no content.
EMPTY_INPUT = raw_multipart(file_part("file", "", b"", "application/octet-stream"))
EMPTY_INPUT_REQUESTS = [
    ("POST", "/optional-bytes", EMPTY_INPUT),
    ("POST", "/optional-upload", EMPTY_INPUT),
    ("POST", "/upload", EMPTY_INPUT),
    ("POST", "/bytes", EMPTY_INPUT),
]


def _check_empty_file_input(results):
    assert results[0].json() == {"size": None}
    assert results[1].json() == {"filename": None}
    assert results[2].status_code == 422
    assert results[2].json()["detail"][0]["type"] == "missing"
    assert results[3].status_code == 422


def test_the_empty_file_input_is_no_file(parity):
    client = parity.client(build_files)
    _check_empty_file_input([client.request(m, url, **kw) for m, url, kw in EMPTY_INPUT_REQUESTS])


@fastapi_has(FASTAPI_EMPTY_FILE_INPUT, "reads an empty file input (filename '') as no file")
def test_the_empty_file_input_like_fastapi(parity):
    _check_empty_file_input(parity(build_files, EMPTY_INPUT_REQUESTS))


def build_async_methods(api):
    router = api.Router()

    @router.post("/rw")
    async def read_write(file: api.UploadFile):
        first = await file.read(3)
        rest = await file.read()
        await file.seek(0)
        again = await file.read()
        await file.seek(len(again))
        await file.write(b"+more")
        await file.seek(0)
        grown = await file.read()
        size = file.size
        await file.close()
        return {
            "first": first.decode(),
            "rest": rest.decode(),
            "again": again.decode(),
            "grown": grown.decode(),
            "size": size,
            "closed": file.file.closed,
        }

    @router.post("/sync-file")
    def sync_file(file: api.UploadFile):
        f = file.file
        head = f.read(2)
        f.seek(0, 2)
        end = f.tell()
        f.seek(0)
        return {"head": head.decode(), "end": end, "all": f.read().decode()}

    return router


def test_upload_async_read_write_seek_close(parity):
    results = parity(
        build_async_methods,
        [
            ("POST", "/rw", {"files": {"file": ("a.txt", b"abcdef")}}),
            ("POST", "/sync-file", {"files": {"file": ("a.txt", b"abcdef")}}),
        ],
    )
    assert results[0].json() == {
        "first": "abc",
        "rest": "def",
        "again": "abcdef",
        "grown": "abcdef+more",
        "size": 11,
        "closed": True,
    }
    assert results[1].json() == {"head": "ab", "end": 6, "all": "abcdef"}


def test_large_upload_rolls_to_disk_and_reads_whole(serve):
    # Beyond the spooled file's memory size (1 MB) the upload is on disk;
    # reading it (in a worker thread on ASGI hosts) gives every byte back.
    content = bytes(range(256)) * (5 * 1024)  # 1.25 MB

    def build(api):
        router = api.Router()

        @router.post("/big")
        async def big(file: api.UploadFile):
            data = await file.read()
            return {"size": file.size, "read": len(data), "same": data == content}

        @router.post("/big-sync")
        def big_sync(file: Annotated[bytes, api.File()]):
            return {"read": len(file), "same": file == content}

        return router

    client = serve(build)
    response = client.post("/big", files={"file": ("big.bin", content)})
    assert response.json() == {"size": len(content), "read": len(content), "same": True}
    response = client.post("/big-sync", files={"file": ("big.bin", content)})
    assert response.json() == {"read": len(content), "same": True}


# --- several files, files with fields -----------------------------------------------------


def build_many(api):
    router = api.Router()

    @router.post("/uploads")
    async def uploads(files: list[api.UploadFile]):
        return [{"filename": f.filename, "content": (await f.read()).decode()} for f in files]

    @router.post("/bytes-list")
    def bytes_list(files: Annotated[list[bytes], api.File()]):
        return {"sizes": [len(f) for f in files]}

    @router.post("/optional-list")
    def optional_list(files: Annotated[Optional[list[api.UploadFile]], api.File()] = None):
        return {"names": None if files is None else [f.filename for f in files]}

    @router.post("/with-fields")
    async def with_fields(
        token: Annotated[str, api.Form()],
        count: Annotated[int, api.Form()],
        file: api.UploadFile,
        extra: Annotated[Optional[bytes], api.File()] = None,
        tags: Annotated[list[str], api.Form()] = [],
    ):
        return {
            "token": token,
            "count": count,
            "filename": file.filename,
            "content": (await file.read()).decode(),
            "extra": None if extra is None else extra.decode(),
            "tags": tags,
        }

    return router


def test_several_files_in_one_field(parity):
    two = [("files", ("a.txt", b"A")), ("files", ("b.txt", b"BB"))]
    results = parity(
        build_many,
        [
            ("POST", "/uploads", {"files": two}),
            ("POST", "/uploads", {"files": [("files", ("one.txt", b"1"))]}),
            ("POST", "/uploads"),
            ("POST", "/bytes-list", {"files": [*two, ("files", ("c.txt", b"CCC"))]}),
            ("POST", "/optional-list"),
            ("POST", "/optional-list", {"files": two}),
        ],
    )
    assert results[0].json() == [
        {"filename": "a.txt", "content": "A"},
        {"filename": "b.txt", "content": "BB"},
    ]
    assert results[1].json() == [{"filename": "one.txt", "content": "1"}]
    assert results[2].status_code == 422
    assert results[3].json() == {"sizes": [1, 2, 3]}
    assert results[4].json() == {"names": None}
    assert results[5].json() == {"names": ["a.txt", "b.txt"]}


EMPTY_INPUTS_REQUESTS = [
    (
        "POST",
        "/optional-list",
        raw_multipart(file_part("files", "", b""), file_part("files", "", b"")),
    ),
    ("POST", "/uploads", raw_multipart(file_part("files", "", b""))),
]


def _check_empty_file_inputs(results):
    assert results[0].json() == {"names": None}
    assert results[1].status_code == 422


def test_empty_file_inputs_in_one_field_are_no_files(parity):
    client = parity.client(build_many)
    _check_empty_file_inputs([client.request(m, url, **kw) for m, url, kw in EMPTY_INPUTS_REQUESTS])


@fastapi_has(FASTAPI_EMPTY_FILE_INPUT, "reads an empty file input (filename '') as no file")
def test_empty_file_inputs_in_one_field_like_fastapi(parity):
    _check_empty_file_inputs(parity(build_many, EMPTY_INPUTS_REQUESTS))


def test_files_and_fields_together(parity):
    results = parity(
        build_many,
        [
            (
                "POST",
                "/with-fields",
                {
                    "data": {"token": "t", "count": "2", "tags": ["x", "y"]},
                    "files": {"file": ("f.txt", b"body"), "extra": ("e.txt", b"ex")},
                },
            ),
            (
                "POST",
                "/with-fields",
                {"data": {"token": "t", "count": "2"}, "files": {"file": ("f.txt", b"body")}},
            ),
            ("POST", "/with-fields", {"data": {"token": "t", "count": "two"}}),
            # Fields alone, urlencoded: the file is missing.
            ("POST", "/with-fields", {"data": {"token": "t", "count": "2"}}),
        ],
    )
    assert results[0].json() == {
        "token": "t",
        "count": 2,
        "filename": "f.txt",
        "content": "body",
        "extra": "ex",
        "tags": ["x", "y"],
    }
    assert results[1].json()["extra"] is None
    assert [e["loc"] for e in results[2].json()["detail"]] == [
        ["body", "count"],
        ["body", "file"],
    ]
    assert results[3].json()["detail"][0]["loc"] == ["body", "file"]


def test_field_sent_where_a_file_is_expected(parity):
    results = parity(
        build_many,
        [
            ("POST", "/with-fields", {"data": {"token": "t", "count": "1", "file": "text"}}),
            ("POST", "/uploads", {"data": {"files": ["a", "b"]}}),
        ],
    )
    (error,) = results[0].json()["detail"]
    assert error["loc"] == ["body", "file"]
    assert error["type"] == "value_error"
    assert error["input"] == "text"
    assert "Expected UploadFile" in error["msg"]
    assert [e["loc"] for e in results[1].json()["detail"]] == [
        ["body", "files", 0],
        ["body", "files", 1],
    ]


def test_file_sent_where_a_field_is_expected(parity):
    # FastAPI echoes the upload with its file object's internals; dualweb shows
    # its filename, size and headers. Everything else is FastAPI's.
    client = parity.client(build_many)
    response = client.post(
        "/with-fields",
        data={"count": "1"},
        files={"token": ("t.txt", b"tok", "text/plain"), "file": ("f.txt", b"x")},
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "string_type"
    assert error["loc"] == ["body", "token"]
    assert error["msg"] == "Input should be a valid string"
    assert error["input"] == {
        "filename": "t.txt",
        "size": 3,
        "headers": {
            "content-disposition": 'form-data; name="token"; filename="t.txt"',
            "content-type": "text/plain",
        },
    }


def test_json_sent_to_a_file_endpoint(parity):
    results = parity(
        build_many,
        [
            ("POST", "/with-fields", {"json": {"token": "t", "count": 1}}),
            ("POST", "/uploads", {"content": b"[]", "headers": {"content-type": "text/plain"}}),
        ],
    )
    assert results[0].status_code == 422
    assert [e["loc"] for e in results[0].json()["detail"]] == [
        ["body", "token"],
        ["body", "count"],
        ["body", "file"],
    ]
    assert results[1].status_code == 422


# --- limits: 413 with the core's words ------------------------------------------------------


def build_limited(api):
    """Limits on an operation, on a router, and a body size limit (dualweb only)."""
    router = api.Router() if api.native else api.Router(form_limits=FormLimits(max_files=1))
    op = {} if api.native else {"form_limits": FormLimits(max_fields=2, max_part_size=1024)}
    size = {} if api.native else {"max_body_size": 2000}

    @router.post("/op", **op)
    def on_operation(a: Annotated[str, api.Form()] = "", b: Annotated[str, api.Form()] = ""):
        return {"a": len(a), "b": len(b)}

    @router.post("/router")
    async def on_router(files: Annotated[list[bytes], api.File()] = []):
        return {"files": len(files)}

    @router.post("/body", **size)
    async def body_size(file: Annotated[bytes, api.File()]):
        return {"size": len(file)}

    return router


def test_limits_within_bounds_agree_with_fastapi(parity):
    results = parity(
        build_limited,
        [
            ("POST", "/op", {"data": {"a": "x" * 1000, "b": "y"}}),
            ("POST", "/router", {"files": [("files", ("a", b"1"))]}),
            ("POST", "/body", {"files": {"file": ("f", b"z" * 1500)}}),
        ],
    )
    assert results[0].json() == {"a": 1000, "b": 1}
    assert results[1].json() == {"files": 1}
    assert results[2].json() == {"size": 1500}


def test_operation_form_limits_answer_413(parity):
    client = parity.client(build_limited)
    response = client.post("/op", data={"a": "1", "b": "2", "c": "3"})
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 2."}
    response = client.post("/op", data={"a": "1"}, files={"b": (None, "2"), "c": (None, "3")})
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 2."}
    # A field counts its name and its (encoded) value, as Starlette counts it.
    response = client.post("/op", data={"a": "x" * 1024})
    assert response.status_code == 413
    assert response.json() == {"detail": "Part exceeded maximum size of 1KB."}


def test_multipart_part_size_answers_413(parity):
    client = parity.client(build_limited)
    response = client.post("/op", files={"a": (None, "x" * 1025)})
    assert response.status_code == 413
    # The core decodes every host's forms: the same words everywhere (Flask included).
    assert response.json() == {"detail": "Part exceeded maximum size of 1KB."}


def test_router_form_limits_answer_413(parity):
    client = parity.client(build_limited)
    files = [("files", ("a", b"1")), ("files", ("b", b"2"))]
    response = client.post("/router", files=files)
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many files. Maximum number of files is 1."}


def test_max_body_size_answers_413(parity):
    client = parity.client(build_limited)
    response = client.post("/body", files={"file": ("f", b"z" * 3000)})
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}

    # Without a declared length (chunked), the limit holds while reading.
    def chunks():
        yield b"--" + BOUNDARY.encode() + b"\r\n" + file_part("file", "f", b"")
        for _ in range(10):
            yield b"z" * 500
        yield b"\r\n--" + BOUNDARY.encode() + b"--\r\n"

    response = client.post(
        "/body",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}


@fastapi_has("0.165.0", "takes form_limits on a route")
def test_fastapi_answers_400_where_dualweb_answers_413(fastapi_ns):
    # The deliberate difference: FastAPI (Starlette) answers 400 for form limits.
    from tests.conftest import native_client

    def build(api):
        router = api.Router()

        @router.post("/op", form_limits={"max_fields": 2})
        def handler(a: Annotated[str, api.Form()] = ""):
            return {}

        return router

    response = native_client(build, fastapi_ns).post("/op", data={"a": "1", "b": "2", "c": "3"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 2."}


def test_default_limits_are_fastapis(parity):
    # 1000 fields, 1000 files, 1 MB per non-file field, as Starlette.
    def build(api):
        router = api.Router()

        @router.post("/f")
        def handler(a: Annotated[str, api.Form()] = ""):
            return {"a": len(a)}

        return router

    client = parity.client(build)
    big = 1024 * 1024 - 1  # with the one-byte name: exactly 1 MB
    assert client.post("/f", data={"a": "x" * big}).json() == {"a": big}
    response = client.post("/f", data={"a": "x" * (big + 1)})
    assert response.status_code == 413
    assert response.json() == {"detail": "Part exceeded maximum size of 1024KB."}
    fields = {f"k{i}": "v" for i in range(1001)}
    response = client.post("/f", data=fields)
    assert response.status_code == 413
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 1000."}


def test_form_limits_reject_bad_values():
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_fields must be a non-negative integer"):
            FormLimits(max_fields=bad)  # type: ignore[arg-type]
    assert repr(FormLimits()) == (
        "FormLimits(max_fields=1000, max_files=1000, max_part_size=1048576)"
    )


# --- python-multipart missing: a clear error at mount time ----------------------------------


@pytest.mark.parametrize("target", ["flask", "starlette", "fastapi"])
def test_missing_python_multipart_fails_at_mount(target):
    code = textwrap.dedent(
        f"""
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("python_multipart", "multipart"):
                    raise ModuleNotFoundError(f"blocked import of {{name}}")
                return None

        sys.meta_path.insert(0, Blocker())
        from typing import Annotated
        from dualweb import Form, Router
        from dualweb.exceptions import DualwebError
        from dualweb.testing import build_app

        plain = Router()

        @plain.get("/ok")
        def ok():
            return {{}}

        build_app(plain, {target!r})  # no form route: mounts fine

        router = Router()

        @router.post("/login")
        def login(name: Annotated[str, Form()]):
            return {{}}

        try:
            build_app(router, {target!r})
        except DualwebError as exc:
            print(exc)
        else:
            print("mounted")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "/login reads a form" in result.stdout
    assert "pip install python-multipart" in result.stdout
