import io
import json

from dualweb.openapi import export_openapi, openapi_for

buffer = io.StringIO()
document = export_openapi(router, buffer, title="Shop", version="2.0")
assert json.loads(buffer.getvalue()) == document
assert document == openapi_for(router, title="Shop", version="2.0")
assert document["info"] == {"title": "Shop", "version": "2.0"}
