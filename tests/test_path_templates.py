"""PathTemplate, the one parser of route paths: every property read from one parse."""

import uuid

import pytest

import dualweb
from dualweb._core.paths import PathTemplate
from dualweb.exceptions import DualwebError

CONVERTERS = {name: f"w_{name}" for name in ("str", "path", "int", "float", "uuid")}


def test_properties_of_one_template():
    t = PathTemplate("/files/{owner}/{rest:path}")
    assert t.param_names == ["owner", "rest"]
    assert t.path_format == "/files/{owner}/{rest}"
    assert t.shape == "/files/{}/{}"
    assert t.werkzeug_rule(CONVERTERS) == (
        "/files/<w_str:owner>/<w_path:rest>",
        {"owner": "owner", "rest": "rest"},
    )
    assert t.match("/files/ann/a/b.txt") == {"owner": "ann", "rest": "a/b.txt"}
    assert t.match("/files/ann") is None


def test_convertors_convert_and_literals_escape():
    t = PathTemplate("/n/{n:int}/{f:float}/{u:uuid}/<x>")
    key = uuid.uuid4()
    assert t.match(f"/n/3/1.5/{key}/<x>") == {"n": 3, "f": 1.5, "u": key}
    assert t.werkzeug_rule(CONVERTERS)[0] == "/n/<w_int:n>/<w_float:f>/<w_uuid:u>/%3Cx%3E"


def test_werkzeug_variables_keep_their_names_unless_reserved():
    # A name the host's link builder takes for itself (Flask's url_for(endpoint, ...))
    # gets underscores until it is free: the mapping gives each one's parameter back.
    t = PathTemplate("/a/{endpoint}/{endpoint_}/{_method}/{id}")
    rule, names = t.werkzeug_rule(CONVERTERS, reserved={"endpoint", "_method"})
    assert rule == "/a/<w_str:endpoint__>/<w_str:endpoint_>/<w_str:_method_>/<w_str:id>"
    assert names == {
        "endpoint__": "endpoint",
        "endpoint_": "endpoint_",
        "_method_": "_method",
        "id": "id",
    }


def test_shape_of_foreign_convertors():
    # A Starlette app may register convertors the core does not know: still one shape.
    assert PathTemplate.shape_of("/a/{x:custom}/{y}") == "/a/{}/{}"
    with pytest.raises(DualwebError, match="unknown path convertor 'custom'"):
        PathTemplate("/a/{x:custom}")


def test_bad_templates_fail_when_the_route_is_declared():
    router = dualweb.Router()
    with pytest.raises(DualwebError, match="unknown path convertor"):
        router.add_api_route("/a/{x:nope}", lambda x: x)
    with pytest.raises(DualwebError, match="duplicated parameter name 'x'"):
        router.add_api_route("/a/{x}/{x}", lambda x: x)


def test_route_and_dependency_path_names_come_from_the_template():
    router = dualweb.Router()

    def dep(item_id: int):
        return item_id

    @router.get("/items/{item_id:int}")
    def read(item_id: int, found: int = dualweb.Depends(dep)):
        return found

    route = router.routes[0]
    assert route.path_format == "/items/{item_id}"
    assert [f.location for f in route.dependant.path_params] == ["path"]
    assert [f.location for f in route.dependant.dependencies[0].path_params] == ["path"]


def test_may_overlap_is_conservative():
    a, b = PathTemplate("/items/{id}"), PathTemplate("/items/new")
    assert a.may_overlap(b) and b.may_overlap(a)
    assert not PathTemplate("/items/{id:int}").may_overlap(b)
    assert not PathTemplate("/a/{x}").may_overlap(PathTemplate("/a/{x}/b"))
    assert PathTemplate("/{rest:path}").may_overlap(PathTemplate("/a/b/c"))
