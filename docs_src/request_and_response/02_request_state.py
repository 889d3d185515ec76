def current_user(request: Request, x_user: Annotated[str | None, Header()] = None) -> str:
    request.state.user = x_user or "anonymous"
    return request.state.user


@router.get("/me", dependencies=[Depends(current_user)])
def me(request: Request):
    return {"user": request.state.user}
