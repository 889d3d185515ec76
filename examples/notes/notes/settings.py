"""Settings, from the environment."""

import os
from dataclasses import dataclass, field


def _origins() -> list[str]:
    return os.environ.get("NOTES_ORIGINS", "http://localhost:5173").split(",")


@dataclass(frozen=True)
class Settings:
    #: The SQLite database file; created (with its tables and two demo users) at startup.
    database: str = field(default_factory=lambda: os.environ.get("NOTES_DATABASE", "notes.db"))
    #: Signs the access tokens: set your own outside a demo.
    secret: str = field(default_factory=lambda: os.environ.get("NOTES_SECRET", "demo-secret"))
    #: Browser origins allowed to call the API (a front end on another port, say).
    origins: list[str] = field(default_factory=_origins)
    token_minutes: int = 30
    pool_size: int = 4
