from dualweb.requests import FormLimits

limited = Router(form_limits={"max_files": 2})


@limited.post("/comment", form_limits={"max_fields": 3, "max_part_size": 2048})
def comment(text: Annotated[str, Form()]):
    return {"length": len(text)}


@limited.post("/bio", form_limits=FormLimits(max_part_size=1024))  # sets all three
def bio(text: Annotated[str, Form()], photos: list[UploadFile] = []):
    return {"photos": len(photos)}


@limited.post("/photos", max_body_size=10_000)
async def photos(files: list[UploadFile]):
    return {"count": len(files)}
