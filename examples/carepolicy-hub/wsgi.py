"""Stand-in for CarePolicy Hub: a plain WSGI app Gunicorn serves on port 5001.

It answers the same health path as the real app, so the ferry carepolicy stack can be brought up and
checked before the real image is wired in. It reports which configured secrets are present, never a value.
"""

import json
import os

SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET", "GROQ_API_KEY")
PLAIN_NAMES = ("ENVIRONMENT", "APP_BASE_URL", "STORAGE_BACKEND", "S3_BUCKET")


def status(environ=os.environ):
    """What the index page shows: plain settings, and True/False for each secret."""
    return {
        "app": "carepolicy-hub (stand-in)",
        "settings": {name: environ.get(name) for name in PLAIN_NAMES},
        "secrets_present": {name: bool(environ.get(name)) for name in SECRET_NAMES},
    }


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/health":
        body, code = b"ok", "200 OK"
        content_type = "text/plain"
    elif path == "/":
        body, code = json.dumps(status()).encode(), "200 OK"
        content_type = "application/json"
    else:
        body, code = b"not found", "404 Not Found"
        content_type = "text/plain"
    start_response(code, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
