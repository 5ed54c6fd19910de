"""What an LMS administrator pastes into Moodle's or Canvas's tool form (pure: base URL in).

One source for the admin page, ``quizapp lti config`` and ``/lti/config/canvas.json``, so
the three never disagree.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# The tool's LTI endpoints under the site's root (views.lti and views.lti_config serve them).
LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"
JWKS_PATH = "/lti/jwks"
CANVAS_JSON_PATH = "/lti/config/canvas.json"

TITLE = "quizapp"
DESCRIPTION = (
    "Quizzes with cited article excerpts: assignments open inside the course, "
    "grades come back to the gradebook."
)
# The LTI Advantage services quizapp uses: AGS to post scores into line items it finds or
# makes, NRPS to read the course roster.
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
# Where an instructor picks an assignment in Canvas: a link in a module, an assignment's
# "external tool" submission type. Both open quizapp's deep linking chooser.
CANVAS_PLACEMENTS = ("link_selection", "assignment_selection")


@dataclass(frozen=True)
class ToolUrls:
    """The tool's addresses as an LMS form asks for them."""

    base: str

    @property
    def login(self) -> str:
        """Initiate login URL (Moodle), OpenID Connect Initiation URL (Canvas)."""
        return self.base + LOGIN_PATH

    @property
    def launch(self) -> str:
        """Tool URL, Redirection URI and Content Selection URL (Moodle); Target Link URI."""
        return self.base + LAUNCH_PATH

    @property
    def jwks(self) -> str:
        """Public keyset URL: the tool's keys, which the LMS checks quizapp's signatures with."""
        return self.base + JWKS_PATH

    @property
    def canvas_json(self) -> str:
        """The JSON URL a Canvas developer key is made from."""
        return self.base + CANVAS_JSON_PATH

    @property
    def domain(self) -> str:
        return urlsplit(self.base).netloc

    def fields(self) -> list[tuple[str, str, str]]:
        """Return (label, value, where it goes) for each value to paste, in form order."""
        return [
            ("Tool URL", self.launch, "Moodle: Tool URL. Canvas: Target Link URI."),
            (
                "Initiate login URL",
                self.login,
                "Moodle: Initiate login URL. Canvas: OpenID Connect Initiation URL.",
            ),
            ("Redirection URI", self.launch, "Moodle: Redirection URI(s). Canvas: Redirect URIs."),
            ("Public keyset URL", self.jwks, "Moodle: Public keyset. Canvas: Public JWK URL."),
            (
                "Deep linking URL",
                self.launch,
                "Moodle: Content Selection URL (with Supports Deep Linking ticked).",
            ),
            (
                "Canvas JSON URL",
                self.canvas_json,
                "Canvas: Developer Keys → + LTI Key → Enter URL.",
            ),
        ]


class BadBaseUrl(ValueError):
    """A base URL that is not an http(s) address of a site; the message says why."""


def tool_urls(base_url: str) -> ToolUrls:
    """Return the tool's addresses under ``base_url`` (its scheme, host and any path prefix)."""
    text = base_url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise BadBaseUrl(
            f"{base_url!r} is not a web address: give the one people open quizapp at, "
            "as https://quiz.example.edu"
        )
    if parts.query or parts.fragment:
        raise BadBaseUrl(f"{base_url!r} has a query or fragment: give the site's address only")
    return ToolUrls(f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}")


def canvas_configuration(urls: ToolUrls) -> dict[str, Any]:
    """Return the JSON a Canvas developer key (LTI key) is configured with."""
    placements = [
        {
            "placement": placement,
            "message_type": "LtiDeepLinkingRequest",
            "target_link_uri": urls.launch,
            "text": "quizapp assignment",
        }
        for placement in CANVAS_PLACEMENTS
    ]
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urls.domain,
                "tool_id": "quizapp",
                # Names and emails in launches: accounts are made with them at first launch.
                "privacy_level": "public",
                "settings": {"text": TITLE, "placements": placements},
            }
        ],
        "custom_fields": {},
    }
