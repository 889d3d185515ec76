"""Work to run after the response has been sent."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["BackgroundTask", "BackgroundTasks"]

logger = logging.getLogger("dualweb")

SyncRunner = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Awaitable[Any]]


class BackgroundTask:
    """One call, made after the response is sent."""

    __slots__ = ("args", "func", "is_async", "kwargs")

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None)  # noqa: B004
        )


class BackgroundTasks:
    """Calls that handlers and dependencies queue with ``add_task``."""

    def __init__(self, tasks: list[BackgroundTask] | None = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks or [])

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue ``func(*args, **kwargs)`` to run after the response is sent."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    @property
    def has_async(self) -> bool:
        return any(task.is_async for task in self.tasks)

    async def run(self, run_sync: SyncRunner | None = None) -> None:
        """Run every task in order; a failing task is logged and the rest still run."""
        for task in self.tasks:
            try:
                if task.is_async:
                    await task.func(*task.args, **task.kwargs)
                elif run_sync is not None:
                    await run_sync(task.func, task.args, task.kwargs)
                else:
                    task.func(*task.args, **task.kwargs)
            except Exception:
                logger.exception("background task %r failed", task.func)
