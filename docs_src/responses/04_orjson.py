import warnings

from dualweb.exceptions import DualwebDeprecationWarning
from dualweb.responses import ORJSONResponse

scores = Router(default_response_class=ORJSONResponse)


@scores.get("/scores")
def all_scores():
    return {1: 0.5, 2: float("nan")}  # orjson: keys as strings, NaN as null


for target in HOSTS:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert TestClient(scores, target).get("/scores").content == b'{"1":0.5,"2":null}'
    assert caught[0].category is DualwebDeprecationWarning
