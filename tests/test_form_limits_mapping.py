"""form_limits as FastAPI 0.165 takes it: a mapping of some of the three limits.

A mapping names the limits it sets (``max_fields``, ``max_files``, ``max_part_size``);
each limit it leaves out comes from the routers around the operation, innermost first,
then the default, as in FastAPI: the operation, its router, the ``include_router``
keyword, the including router, and so on out to the FastAPI app
(``FastAPI(form_limits=...)``). A bad mapping is refused when declared, with FastAPI's
``ValidationError``. (Beyond a limit dualweb answers 413 where FastAPI answers 400, with
the same words: the tests compare the words.)

Native FastAPI takes ``form_limits`` from 0.165. Below it (the floor, docs/versions.md)
each test checks dualweb's own answers, written here, and compares nothing.
"""

import itertools
from typing import Annotated

import fastapi
import pydantic
import pytest

import dualweb
import dualweb.fastapi
from dualweb.requests import FormLimits
from dualweb.testing import client_for_app
from tests._helpers import fastapi_has, installed_below
from tests.conftest import DUALWEB, native_client

#: Whether the installed FastAPI takes form_limits, so that answers can be compared.
NATIVE = not installed_below("fastapi", "0.165")


def fields(count):
    return {"data": {f"f{i}": "x" for i in range(count)}}


def detail(response, native):
    """The limit's words, with dualweb's 413 standing for FastAPI's 400."""
    assert response.status_code == (400 if native else 413), response.text
    return response.json()["detail"]


LEVELS = ("outer", "outer_include", "inner", "inner_include", "route")
MAX_FIELDS = {"outer": 10, "outer_include": 8, "inner": 6, "inner_include": 4, "route": 2}


def build_tree(api, present):
    """outer includes inner (with include keywords) which includes leaf holding the route:
    each level present sets max_fields to its own number."""

    def limits(level):
        return {"form_limits": {"max_fields": MAX_FIELDS[level]}} if level in present else {}

    outer = api.Router(**limits("outer"))
    inner = api.Router(**limits("inner"))
    leaf = api.Router()

    @leaf.post("/form", **limits("route"))
    def form(a: Annotated[str, api.Form()] = ""):
        return {}

    inner.include_router(leaf, **limits("inner_include"))
    outer.include_router(inner, **limits("outer_include"))
    return outer


@pytest.mark.parametrize(
    "present", [combo for n in (1, 2) for combo in itertools.combinations(LEVELS, n)]
)
def test_the_innermost_setting_wins_as_in_fastapi(fastapi_ns, host, present):
    ours = dualweb.testing.TestClient(build_tree(DUALWEB, present), host)
    got = detail(ours.post("/form", **fields(12)), native=False)
    innermost = [level for level in LEVELS if level in present][-1]
    assert got == f"Too many fields. Maximum number of fields is {MAX_FIELDS[innermost]}."
    if NATIVE:
        theirs = native_client(lambda api: build_tree(api, present), fastapi_ns)
        assert detail(theirs.post("/form", **fields(12)), native=True) == got


def build_merged(api):
    """Each level sets another limit: a mapping sets only the limits it names."""
    router = api.Router(form_limits={"max_files": 1})

    @router.post("/merged", form_limits={"max_fields": 2})
    def merged(a: Annotated[str, api.Form()] = "", f: Annotated[list[bytes], api.File()] = []):
        return {"a": a, "files": len(f)}

    @router.post("/plain")
    def plain(a: Annotated[str, api.Form()] = "", f: Annotated[list[bytes], api.File()] = []):
        return {"a": a, "files": len(f)}

    outer = api.Router()
    outer.include_router(router, form_limits={"max_part_size": 1024, "max_files": 5})
    return outer


TOO_MANY_FILES = "Too many files. Maximum number of files is 1."
PART_TOO_LARGE = "Part exceeded maximum size of 1KB."
#: Each route's answer to three fields, two files and a part of 1,025 bytes.
MERGED = {
    "/merged": ["Too many fields. Maximum number of fields is 2.", TOO_MANY_FILES, PART_TOO_LARGE],
    "/plain": [{"a": "", "files": 0}, TOO_MANY_FILES, PART_TOO_LARGE],
}


def test_limits_merge_by_name(fastapi_ns, host):
    theirs = native_client(build_merged, fastapi_ns) if NATIVE else None
    ours = dualweb.testing.TestClient(build_merged(DUALWEB), host)
    two_files = {"files": [("f", ("a", b"1")), ("f", ("b", b"2"))]}
    for path, answers in MERGED.items():
        # (A multipart part: Starlette words an urlencoded field's size otherwise.)
        sent_each = (fields(3), two_files, {"files": {"a": (None, "x" * 1025)}})
        for sent, answer in zip(sent_each, answers, strict=True):
            got = ours.post(path, **sent)
            if isinstance(answer, dict):
                assert (got.status_code, got.json()) == (200, answer)
            else:
                assert detail(got, native=False) == answer
            if theirs is not None:
                want = theirs.post(path, **sent)
                if want.status_code == 200:
                    assert (got.status_code, got.json()) == (200, want.json())
                else:
                    assert detail(got, native=False) == detail(want, native=True)
    assert ours.post("/plain", **fields(3)).json() == {"a": "", "files": 0}
    assert ours.post("/merged", files={"a": (None, "x" * 1000)}).json() == {
        "a": "x" * 1000,
        "files": 0,
    }


def test_a_form_limits_object_sets_all_three():
    # A FormLimits (dualweb's own) sets every limit, its defaults included; a mapping
    # inside it sets only the limits it names.
    router = dualweb.Router(form_limits=FormLimits(max_files=1))

    @router.post("/object", form_limits=FormLimits(max_fields=2))
    def with_object(a: Annotated[str, dualweb.Form()] = "", g: list[dualweb.UploadFile] = []):
        return {"files": len(g)}

    @router.post("/mapping", form_limits={"max_fields": 2})
    def with_mapping(a: Annotated[str, dualweb.Form()] = "", g: list[dualweb.UploadFile] = []):
        return {"files": len(g)}

    client = dualweb.testing.TestClient(router, "flask")
    two_files = [("g", ("a", b"1")), ("g", ("b", b"2"))]
    assert client.post("/object", files=two_files).json() == {"files": 2}
    assert client.post("/object", **fields(3)).status_code == 413
    assert client.post("/mapping", files=two_files).json() == {
        "detail": "Too many files. Maximum number of files is 1."
    }
    assert client.post("/mapping", **fields(3)).status_code == 413


#: Each bad form_limits, and the (type, loc) of each error dualweb raises for it.
BAD = [
    ({"max_feilds": 1}, [("extra_forbidden", ("max_feilds",))]),
    ({"max_fields": -1}, [("greater_than_equal", ("max_fields",))]),
    ({"max_fields": "3"}, [("int_type", ("max_fields",))]),
    ({"max_fields": True}, [("int_type", ("max_fields",))]),
    ({"max_fields": 1.0}, [("int_type", ("max_fields",))]),
    ({"max_fields": None}, [("int_type", ("max_fields",))]),
    (
        {"max_fields": 2, "max_files": -1, "other": 1},
        [("greater_than_equal", ("max_files",)), ("extra_forbidden", ("other",))],
    ),
    (5, [("dict_type", ())]),
    ([("max_fields", 1)], [("dict_type", ())]),
]


def _declare(api, site, limits):
    def handler(a: Annotated[str, api.Form()] = ""):
        return {}

    router = api.Router()
    if site == "router":
        api.Router(form_limits=limits)
    elif site == "decorator":
        router.post("/f", form_limits=limits)(handler)
    elif site == "add_api_route":
        router.add_api_route("/f", handler, methods=["POST"], form_limits=limits)
    else:
        router.include_router(api.Router(), form_limits=limits)


@pytest.mark.parametrize("site", ["router", "decorator", "add_api_route", "include_router"])
@pytest.mark.parametrize(("limits", "errors"), BAD, ids=[repr(limits) for limits, _ in BAD])
def test_a_bad_mapping_is_refused_as_fastapi_refuses_it(fastapi_ns, site, limits, errors):
    with pytest.raises(pydantic.ValidationError) as ours:
        _declare(DUALWEB, site, limits)
    assert [(error["type"], error["loc"]) for error in ours.value.errors()] == errors
    assert isinstance(ours.value, ValueError)  # as FormLimits' own errors
    if NATIVE:
        with pytest.raises(pydantic.ValidationError) as theirs:
            _declare(fastapi_ns, site, limits)
        assert ours.value.errors() == theirs.value.errors()
        assert str(ours.value) == str(theirs.value)


def test_a_mapping_is_checked_once_when_declared():
    limits = {"max_fields": 2}
    router = dualweb.Router()

    @router.post("/f", form_limits=limits)
    def f(a: Annotated[str, dualweb.Form()] = ""):
        return {}

    limits["max_fields"] = "many"  # changing it afterwards changes nothing
    (route,) = router.routes
    assert route.limits is not None and route.limits.max_fields == 2
    assert dualweb.testing.TestClient(router, "flask").post("/f", **fields(3)).json() == {
        "detail": "Too many fields. Maximum number of fields is 2."
    }


@fastapi_has("0.165", "takes FastAPI(form_limits=...), which the host reads")
@pytest.mark.parametrize("router_limits", [None, {"max_fields": 3}])
def test_the_fastapi_apps_form_limits_hold_for_a_mounted_router(fastapi_ns, router_limits):
    app_limits = {"max_fields": 1, "max_files": 1}

    def build(api):
        router = api.Router() if router_limits is None else api.Router(form_limits=router_limits)

        @router.post("/f")
        def f(a: Annotated[str, api.Form()] = "", g: Annotated[list[bytes], api.File()] = []):
            return {"files": len(g)}

        return router

    native = fastapi.FastAPI(form_limits=app_limits)
    native.include_router(build(fastapi_ns))
    ours = fastapi.FastAPI(form_limits=app_limits)
    dualweb.fastapi.mount(ours, build(DUALWEB))
    two_files = {"files": [("g", ("a", b"1")), ("g", ("b", b"2"))]}
    for sent in (fields(2), fields(4), two_files):
        want = client_for_app(native).post("/f", **sent)
        got = client_for_app(ours).post("/f", **sent)
        if want.status_code == 200:
            assert (got.status_code, got.json()) == (200, want.json())
        else:
            assert detail(got, native=False) == detail(want, native=True)
