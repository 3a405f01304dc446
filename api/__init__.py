"""skillmatch's HTTP service (FastAPI): versioned JSON paths under ``/v1`` over the library, with
bearer-token principals, consent-scoped passports and errors as ``application/problem+json``.
Build the app with :func:`api.main.create_app`."""
