"""Pure helpers for the ferry sample app (no Streamlit import, so they are unit-testable)."""

from __future__ import annotations

from collections.abc import Mapping


def parse_names(names: str | None) -> list[str]:
    """Split a comma-separated list of env var names, dropping blanks and duplicates (order kept)."""
    seen: dict[str, None] = {}
    for raw in (names or "").split(","):
        name = raw.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def secret_status(names: str | None, env: Mapping[str, str]) -> list[tuple[str, bool]]:
    """For each name in ``names``, report whether ``env`` has it set to a non-blank value.

    Only a boolean is returned: never the value, its length or any part of it.
    """
    return [(name, bool((env.get(name) or "").strip())) for name in parse_names(names)]


def app_info(env: Mapping[str, str]) -> dict[str, str]:
    """Non-secret facts shown on the page, with local defaults."""
    return {
        "App": env.get("APP_NAME") or "ferry sample",
        "Environment": env.get("ENVIRONMENT") or "local",
        "Image version": env.get("IMAGE_VERSION") or "dev",
    }
