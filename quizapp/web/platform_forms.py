"""The administrators' forms for LMS platforms (LTI 1.3), CSRF-protected through Flask-WTF.

Their rules are ``quizapp.lti.platforms``'s, which ``quizapp lti add-platform`` applies too;
the messages land beside their fields.
"""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from quizapp.lti.platforms import PlatformSettings, check, deployment_problem
from quizapp.web.forms import named


def _lti_url(label: str, description: str) -> StringField:
    return StringField(
        label,
        description=description,
        render_kw={"inputmode": "url", "spellcheck": "false", "autocomplete": "off"},
    )


class PlatformForm(FlaskForm):
    """An LMS platform's registration; the rules are ``lti.platforms.check`` (as the CLI's)."""

    name = StringField(
        "Name",
        description="A name you will recognise, such as “Moodle” or “Canvas (test)”.",
        render_kw={"autocomplete": "off"},
    )
    issuer = _lti_url(
        "Issuer (Platform ID)",
        "Moodle shows it as Platform ID (the site’s address); Canvas cloud’s is "
        "https://canvas.instructure.com.",
    )
    client_id = StringField(
        "Client ID",
        description="Moodle: Client ID in the tool’s configuration details. Canvas: the "
        "developer key’s ID (the long number).",
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    auth_login_url = _lti_url(
        "Authentication request URL",
        "Moodle: …/mod/lti/auth.php. Canvas cloud: "
        "https://sso.canvaslms.com/api/lti/authorize_redirect.",
    )
    auth_token_url = _lti_url(
        "Access token URL",
        "Moodle: …/mod/lti/token.php. Canvas: https://<your Canvas domain>/login/oauth2/token.",
    )
    key_set_url = _lti_url(
        "Public keyset URL",
        "Moodle: …/mod/lti/certs.php. Canvas cloud: https://sso.canvaslms.com/api/lti/security/jwks.",
    )
    deployment_ids = TextAreaField(
        "Deployment IDs",
        description="One per line. Moodle: Deployment ID. Canvas: the installed app’s "
        "Deployment Id (Settings → Apps → the app’s menu).",
        render_kw={"rows": 3, "spellcheck": "false"},
    )
    auth_audience = _lti_url(
        "Token audience (optional)",
        "Only if the platform asks for an audience other than its access token URL.",
    )

    def settings(self) -> PlatformSettings:
        """Return the typed values as the registration service takes them."""
        return PlatformSettings(
            name=self.name.data or "",
            issuer=self.issuer.data or "",
            client_id=self.client_id.data or "",
            auth_login_url=self.auth_login_url.data or "",
            auth_token_url=self.auth_token_url.data or "",
            key_set_url=self.key_set_url.data or "",
            deployment_ids=(self.deployment_ids.data or "").splitlines(),
            auth_audience=self.auth_audience.data or "",
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        errors = check(self.settings())
        add_errors(self, errors)
        return ok and not errors


class DeploymentForm(FlaskForm):
    deployment_id = StringField(
        "Deployment ID",
        validators=[DataRequired("Deployment ID: give the id the platform shows.")],
        description="Another installation of the tool in the same platform has its own id.",
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        problem = deployment_problem(self.deployment_id.data or "")
        if problem:
            add_errors(self, {"deployment_id": [problem]})
        return not problem


def add_errors(form: FlaskForm, errors: dict[str, list[str]]) -> None:
    """Put a service's messages beside their fields, each naming its field for the summary.

    Call before anything reads ``form.errors`` (WTForms keeps the first reading).
    """
    for name, messages in errors.items():
        field = form[name]
        field.errors = [*field.errors, *(named(str(field.label.text), m) for m in messages)]
