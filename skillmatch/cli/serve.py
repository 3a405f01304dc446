"""``skillmatch serve``: the HTTP service (``api/``) under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from skillmatch.cli.common import DataDir, EncoderOption, data_dir_of, err, errors
from skillmatch.cli.credentials import DatabaseUrl, TrustOption
from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.errors import ConfigurationError

#: The principal the admin token file stands for.
ADMIN_NAME = "admin"
#: Seconds a worker process may leave uvicorn's health check unanswered before it is restarted.
WORKER_HEALTHCHECK_S = 60

AdminTokenFile = Annotated[
    Path | None,
    typer.Option("--admin-token-file", envvar="SKILLMATCH_ADMIN_TOKEN_FILE", show_default=False,
                 help="File holding the admin's API token: written with a new token (readable by you only) when "
                      "missing, read when present. Write another token into it and restart to replace it."),
]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (SQLite or PostgreSQL); with more than one, they share "
                                              "one matching process.", min=1)] = 1,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    trust: TrustOption = None,
    admin_token_file: AdminTokenFile = None,
) -> None:
    """Start the HTTP API (OpenAPI docs at /docs, the passport page at /passport) on the embedded
    defaults: the taxonomy store in the data folder (built from $SKILLMATCH_ESCO or ../shared/esco
    when missing) and the catalogue in SQLite there (--database-url: PostgreSQL); several --workers
    share the database and one matching process, which holds the only matcher.

    Every path needs an API token ('Authorization: Bearer <token>'); an admin makes them (POST /v1/principals).
    The first admin's token comes from --admin-token-file: a new token is written there on the first start.
    """
    with errors():
        settings = Settings()
        target = data_dir_of(data_dir)
        url = database_url or settings.database_url
        # Worker processes build their own app from the environment: hand the options down there.
        os.environ["SKILLMATCH_DATA_DIR"] = str(target)
        os.environ["SKILLMATCH_ENCODER"] = encoder
        if url:
            os.environ["SKILLMATCH_DATABASE_URL"] = url
        if trust:
            os.environ["SKILLMATCH_TRUST_LIST"] = str(trust)

        from skillmatch.store import CatalogueStore
        from skillmatch.store.accounts import AccountStore
        from skillmatch.taxonomy import build_taxonomy, default_source

        with err.status("building the taxonomy store (skipped when up to date)") as status:
            build_taxonomy([default_source(settings.esco)], target, progress=lambda message: status.update(message))
        # Migrate once here, before the workers start, so they never race to migrate.
        store = CatalogueStore.open(url, target)
        try:
            if admin_token_file is not None:
                AccountStore(store.engine).ensure_admin(ADMIN_NAME, _admin_token(admin_token_file))
                err.print(f"the admin's API token is in {admin_token_file}")
        finally:
            store.close()

        import uvicorn

        from api.config import ApiSettings
        from api.main import create_app

        err.print("the service answers at once; what needs the matcher waits until it has loaded "
                  "(the first start encodes every ESCO label: minutes)")
        if workers == 1:
            uvicorn.run(create_app(ApiSettings()), host=host, port=port)
            return
        from skillmatch.matching.remote import matching_process

        api_settings = ApiSettings()
        with matching_process(target, encoder, training_data=api_settings.training_data,
                              window_s=api_settings.match_batch_window_ms / 1000) as address:
            os.environ.update(address.to_env())
            # uvicorn kills a worker that leaves its health check unanswered for 5 s; one loading
            # its taxonomy on a busy machine can hold the interpreter that long, so only one
            # silent for a minute counts as hung.
            uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)


def _admin_token(path: Path) -> str:
    """The token in ``path``, or a new one written there for the owner's eyes only."""
    from skillmatch.store.accounts import new_token

    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        token = new_token()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
        return token
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot use the admin token file {path}: {exc}") from exc
