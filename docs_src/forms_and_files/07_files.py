router = Router()  # a new router: a mounted one takes no more routes
from dualweb import File, UploadFile


@router.post("/raw")
def raw(file: Annotated[bytes, File()]):
    return {"size": len(file)}


@router.post("/upload")
async def upload(file: UploadFile, note: Annotated[str, Form()] = ""):
    head = await file.read(5)
    await file.seek(0)
    content = await file.read()
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "head": head.decode(),
        "length": len(content),
        "note": note,
    }


@router.post("/sync-upload")
def sync_upload(file: UploadFile):
    # In a plain `def` handler, use the underlying file directly.
    return {"first_line": file.file.readline().decode().strip()}


@router.post("/avatar")
async def avatar(image: Optional[UploadFile] = None):
    return {"uploaded": image is not None}


@router.post("/batch")
async def batch(files: list[UploadFile], sizes: Annotated[list[bytes], File()] = []):
    return {"names": [f.filename for f in files], "extra": [len(b) for b in sizes]}
