from dualweb.openapi import merge_into

document = merge_into({"openapi": "3.0.3", "info": {"title": "T", "version": "1"}}, app)
note = document["components"]["schemas"]["Order"]["properties"]["note"]
assert note == {"type": "string", "title": "Note", "nullable": True}
document = merge_into({"openapi": "3.1.0", "info": {"title": "T", "version": "1"}}, app)
note = document["components"]["schemas"]["Order"]["properties"]["note"]
assert note == {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Note"}
