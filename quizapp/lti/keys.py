"""The tool's RSA keys: generated once, stored, rotated; served as a JWKS.

The newest unretired key signs (client assertions for AGS and NRPS, deep linking
responses). A rotation keeps the old public key in the JWKS until it is dropped, so a token
signed just before the rotation still verifies at the platform.
"""

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.models import LtiKey

KEY_SIZE = 2048


def _new_key() -> LtiKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    # The RFC 7638 thumbprint: the kid pylti1p3 puts in the headers it signs.
    kid = JWK.from_pem(public_pem.encode()).thumbprint()
    return LtiKey(kid=kid, private_pem=private_pem, public_pem=public_pem)


def signing_key(session: Session) -> LtiKey | None:
    """Return the key that signs now, or None before the first is made."""
    return session.scalar(
        select(LtiKey)
        .where(LtiKey.retired_at.is_(None), LtiKey.dropped_at.is_(None))
        .order_by(LtiKey.created_at.desc(), LtiKey.id.desc())
        .limit(1)
    )


def ensure_key(session: Session) -> LtiKey:
    """Return the signing key, making the first one if there is none (inside a unit of work)."""
    key = signing_key(session)
    if key is None:
        key = _new_key()
        session.add(key)
        session.flush()
    return key


def rotate(session: Session) -> LtiKey:
    """Make a new signing key; the previous one stays published until ``drop_retired``."""
    now = clock.now()
    for old in session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None))):
        old.retired_at = now
    key = _new_key()
    key.created_at = now
    session.add(key)
    session.flush()
    return key


def drop_retired(session: Session, before: datetime | None = None) -> int:
    """Stop publishing keys retired before ``before`` (all retired ones by default)."""
    before = before or clock.now()
    dropped = 0
    for old in session.scalars(
        select(LtiKey).where(
            LtiKey.retired_at.is_not(None),
            LtiKey.retired_at <= before,
            LtiKey.dropped_at.is_(None),
        )
    ):
        old.dropped_at = clock.now()
        dropped += 1
    return dropped


def published(session: Session) -> list[LtiKey]:
    """Return every key the JWKS lists, newest first."""
    return list(
        session.scalars(
            select(LtiKey)
            .where(LtiKey.dropped_at.is_(None))
            .order_by(LtiKey.created_at.desc(), LtiKey.id.desc())
        )
    )


def jwk(key: LtiKey) -> dict[str, Any]:
    """Return a key's public half as a JWK, marked for RS256 signatures."""
    public: dict[str, Any] = JWK.from_pem(key.public_pem.encode()).export_public(as_dict=True)
    public.update(kid=key.kid, alg="RS256", use="sig")
    return public


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Return the JSON Web Key Set platforms fetch to check the tool's signatures."""
    return {"keys": [jwk(key) for key in published(session)]}
