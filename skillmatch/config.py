"""One settings object, read from the environment, shared by the CLI, the library and the API."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where skillmatch finds ESCO and keeps what it builds.

    ``SKILLMATCH_DATA_DIR`` holds the built taxonomy store (and, later, indexes and the
    catalogue database); ``SKILLMATCH_ESCO`` points at an ESCO distribution.
    """

    model_config = SettingsConfigDict(env_prefix="SKILLMATCH_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("skillmatch")))
    esco: Path | None = None
