router = Router()  # a new router: a mounted one takes no more routes
from pydantic import BaseModel, ConfigDict


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str
    remember: bool = False


class Search(BaseModel):
    q: str = ""
    limit: int = 10


@router.post("/login")
def login(data: Annotated[Login, Form()]):
    return {"username": data.username, "remember": data.remember}


@router.post("/search")
def search(filters: Annotated[Optional[Search], Form()] = None):
    return {"filters": filters}
