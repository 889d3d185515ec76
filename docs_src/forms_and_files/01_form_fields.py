from typing import Annotated, Optional

from dualweb import Form, Router

router = Router()


@router.post("/signup")
def signup(
    username: Annotated[str, Form(min_length=3, pattern="^[a-z]+$")],
    age: Annotated[int, Form(ge=18)],
    tags: Annotated[list[str], Form()] = [],
    referrer: Annotated[Optional[str], Form(alias="ref")] = None,
):
    return {"username": username, "age": age, "tags": tags, "referrer": referrer}
