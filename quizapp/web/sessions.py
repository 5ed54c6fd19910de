"""A bounded per-process cache (its last user, the CSRF token cache, goes next)."""

MAX_VERIFIED = 20_000


def remember(cache: dict, key, value) -> None:
    """Keep ``value`` in a per-process cache of verified things, cleared whenever it is full."""
    if len(cache) >= MAX_VERIFIED:
        cache.clear()
    cache[key] = value
