"""Jinja2 templates rendered into HTML responses, as FastAPI's ``Jinja2Templates``, on every host.

jinja2 is imported when a ``Jinja2Templates`` is made, not when this module is:
Flask brings it, FastAPI and Starlette leave it to the application.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .background import BackgroundTask, BackgroundTasks
from .datastructures import URL
from .requests import Request
from .responses import HTMLResponse

if TYPE_CHECKING:
    import jinja2

__all__ = ["Jinja2Templates"]

ContextProcessor = Callable[[Request], dict[str, Any]]


def _import_jinja2() -> Any:
    try:
        import jinja2
    except ImportError as exc:
        raise ImportError(
            "dualweb.templating needs jinja2 to render templates: pip install jinja2"
        ) from exc
    return jinja2


class _TemplateResponse(HTMLResponse):
    """An HTML page rendered from ``template`` with ``context`` when it is made."""

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)


class Jinja2Templates:
    """Templates from a directory (or several) or a ready jinja2 ``Environment``.

    ``TemplateResponse(request, name, context)`` renders one into an ``HTMLResponse``;
    templates see ``request`` and ``url_for(name, **path_params)``, which links to
    dualweb routes and the app's own (``url_for('static', path=...)`` on every host).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        if not (bool(directory) ^ bool(env)):
            # NOTE: an AssertionError, as Starlette raises, but one `python -O` keeps.
            raise AssertionError("either 'directory' or 'env' arguments must be passed")
        jinja = _import_jinja2()
        self.context_processors: list[ContextProcessor] = context_processors or []
        if env is None:
            env = jinja.Environment(
                loader=jinja.FileSystemLoader(directory), autoescape=jinja.select_autoescape()
            )
        self.env: jinja2.Environment = env
        # A url_for the application put in the environment itself wins, as in Starlette.
        env.globals.setdefault("url_for", jinja.pass_context(_url_for))

    def get_template(self, name: str) -> jinja2.Template:
        """The template called ``name``, loaded by the environment."""
        template: jinja2.Template = self.env.get_template(name)
        return template

    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | BackgroundTask | None = None,
    ) -> _TemplateResponse:
        """The template ``name`` rendered with ``context``, ``request`` and what the
        context processors give, as an HTML response with ``.template`` and ``.context``."""
        # NOTE: the caller's dict is filled in and kept, as Starlette does.
        context = context or {}
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        return _TemplateResponse(
            self.get_template(name),
            context,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )


def _url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
    request: Request = context["request"]
    return request.url_for(name, **path_params)
