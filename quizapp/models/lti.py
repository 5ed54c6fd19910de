"""LTI 1.3: registered platforms, the tool's keys, and what launches map to.

An LMS (the platform) is registered once by an administrator. Its users, courses and links
map to quizapp's accounts, classes and assignments the first time they launch; scores go back
through a per-student outbox row that is retried until the platform takes it.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import Model
from quizapp.models.content import utcnow


class LtiPlatform(Model):
    """One registration: an issuer with the client id it gave quizapp."""

    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(500))
    auth_login_url: Mapped[str] = mapped_column(String(2000))
    auth_token_url: Mapped[str] = mapped_column(String(2000))
    key_set_url: Mapped[str] = mapped_column(String(2000))
    # Some platforms (Moodle) want their token URL as the client assertion's audience;
    # None means the token URL.
    auth_audience: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list["LtiDeployment"]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id"
    )


class LtiDeployment(Model):
    """A deployment id of a platform: launches carrying any other are refused."""

    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id"))
    deployment_id: Mapped[str] = mapped_column(String(500))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiKey(Model):
    """The tool's RSA key pairs. The newest unretired one signs; the JWKS lists all kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a newer key takes over signing; the old public key stays in the JWKS until
    # ``dropped_at`` so tokens signed just before a rotation still verify at the platform.
    retired_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]


class LtiIdentity(Model):
    """An LMS user (issuer and subject) and the quizapp account it signs in as."""

    __table_args__ = (
        UniqueConstraint("platform_id", "subject"),
        Index("ix_lti_identity_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # When the identity was moved to an account its owner already had: once, never again.
    linked_at: Mapped[datetime | None]
    # The first launch; None for a roster member who has not launched yet.
    launched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiContext(Model):
    """An LMS course and the quizapp class it maps to (created at its first instructor launch)."""

    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id"))
    deployment_id: Mapped[str] = mapped_column(String(500))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    # The services the last launch offered (None: the platform offers none).
    memberships_url: Mapped[str | None] = mapped_column(String(2000))
    lineitems_url: Mapped[str | None] = mapped_column(String(2000))
    roster_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiLink(Model):
    """A resource link placed in the LMS, the assignment it opens and its grade column."""

    __table_args__ = (
        UniqueConstraint("context_id", "resource_link_id"),
        Index("ix_lti_link_assignment", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    # The line item (the LMS's grade column) scores are posted to: from the launch's AGS
    # claim, else found or made through the context's line items service.
    lineitem_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiScore(Model):
    """What the LMS should hold for one student in one grade column, and whether it does.

    One row per (link, student): a new grade overwrites the wanted values and bumps
    ``version``; the sender posts the newest version and records it in ``sent_version``, so
    a grade is sent once, a newer one replaces an older one that was never sent, and a
    retry never goes out after a newer post (the AGS timestamp is the grade's own time).
    """

    __table_args__ = (
        UniqueConstraint("link_id", "user_id"),
        Index("ix_lti_score_due", "sent_version", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_link.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    score_given: Mapped[float | None]
    score_maximum: Mapped[float]
    activity_progress: Mapped[str] = mapped_column(String(32))
    grading_progress: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)  # the AGS timestamp
    version: Mapped[int] = mapped_column(default=1)
    sent_version: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set while a sender posts the row (quizapp.lti.sender): no other process claims it until
    # it is cleared or lapses (a sender that died), so one row's posts never overlap.
    claimed_until: Mapped[datetime | None]


class LtiLaunchState(Model):
    """pylti1p3's launch data (OIDC state, nonce, launch claims) kept between requests.

    In the database rather than the browser session: a launch inside an LMS iframe may come
    without quizapp's session cookie, and several app processes must see the same state.
    """

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiNonce(Model):
    """A nonce whose launch was accepted: a second launch with it is a replay."""

    issuer: Mapped[str] = mapped_column(String(500), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
