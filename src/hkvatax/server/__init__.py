"""hkvatax as a web service (extra ``server``): ``hkvatax serve``, or mount :func:`create_app` in your own app.

    pip install "hkvatax[server]"
    hkvatax serve --workers 2                         # http://127.0.0.1:8000/docs
    uvicorn --factory hkvatax.server:create_app       # the same app under your own ASGI server

See docs/server.md for the endpoints, limits and error answers.
"""

from __future__ import annotations

from .app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]
