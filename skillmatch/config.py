"""One settings object, read from the environment, shared by the CLI, the library and the API."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where skillmatch finds ESCO and keeps what it builds.

    ``SKILLMATCH_DATA_DIR`` holds the built taxonomy store, the indexes and (by default) the
    catalogue database; ``SKILLMATCH_ESCO`` points at an ESCO distribution;
    ``SKILLMATCH_DATABASE_URL`` puts the catalogue in PostgreSQL instead
    (``postgresql://user:password@host/db``); ``SKILLMATCH_TRUST_LIST`` is a JSON file of the
    issuers whose signing keys are trusted when credentials are verified;
    ``SKILLMATCH_TRAINING_DATA`` is a gold-set JSONL file or folder that the matcher's query
    adapters learn from (default: ``../shared/benchmarks`` when it exists).
    """

    model_config = SettingsConfigDict(env_prefix="SKILLMATCH_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("skillmatch")))
    esco: Path | None = None
    database_url: str | None = None
    trust_list: Path | None = None
    training_data: Path | None = None
