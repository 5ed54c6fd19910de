"""WTForms forms (CSRF-protected through Flask-WTF)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from quizapp.accounts.users import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    email_problem,
    password_problem,
    username_problem,
)
from quizapp.teaching.zones import is_zone, zone_names

POLICY_CHOICES = [
    SelectChoice("best", "Best attempt"),
    SelectChoice("latest", "Latest attempt"),
    SelectChoice("average", "Average of attempts"),
]
PASSWORD_HELP = f"At least {MIN_PASSWORD} characters. Long passphrases are welcome."


def named(name: str, message: str) -> str:
    """Return an error message that names its field ("Password: use 10 to 256 characters.")."""
    if name.casefold() in message.casefold():
        return message
    return f"{name}: {message[:1].lower()}{message[1:]}"


def account_rule(problem, name: str):
    """Return a validator refusing what an accounts check refuses, so the CLI applies it too.

    The check's words serve the CLI, which names the option itself; on a page the message
    names the field, as it is also listed in the summary at the top of the form.
    """

    def validate(form, field) -> None:
        message = problem(field.data or "")
        if message:
            raise ValidationError(named(name, message))

    return validate


def at_most(name: str, limit: int) -> Length:
    """Return a length limit whose message names the field."""
    return Length(max=limit, message=f"{name} is at most {limit} characters long.")


def new_password_fields(label: str) -> tuple[PasswordField, PasswordField]:
    """Return a new password field and its repeat, with the length rules."""
    password = PasswordField(
        label,
        validators=[
            DataRequired(f"Choose a {label.lower()}."),
            account_rule(password_problem, label),
        ],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        f"Repeat {label.lower()}",
        validators=[
            DataRequired(f"Repeat the {label.lower()}."),
            EqualTo(
                "password",
                f"The repeated {label.lower()} is not the same: type it the same way twice.",
            ),
        ],
    )
    return password, confirm


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired("Enter your username."), at_most("A username", 64)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), at_most("A password", MAX_PASSWORD)],
    )


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired("Choose a username."), account_rule(username_problem, "Username")],
        description=(
            "3 to 64 letters, digits, dots, dashes or underscores; not starting with a dash."
        ),
    )
    full_name = StringField(
        "Full name",
        validators=[Optional(), at_most("A full name", 200)],
        description="Optional; shown to your instructors in their gradebook.",
    )
    email = EmailField(
        "Email",
        validators=[Optional(), account_rule(email_problem, "Email")],
        description="Optional; your instructor may use it to match grades.",
    )
    password, confirm = new_password_fields("Password")


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    password, confirm = new_password_fields("New password")


class ResetForm(FlaskForm):
    password, confirm = new_password_fields("New password")


class ReviewForm(FlaskForm):
    """A review answer: which question, and a one-time token that makes replays harmless.

    ``shown`` is the signed time the question was shown; ``version`` the version shown (absent
    from forms shown before it was added); the answer inputs are per type.
    """

    shown = HiddenField()
    token = HiddenField(validators=[DataRequired(), Length(8, 64)])
    question = HiddenField(validators=[DataRequired(), Length(1, 64)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReviewLimitForm(FlaskForm):
    """How many reviews a day the student takes."""

    daily_reviews = IntegerField(
        "Reviews a day",
        validators=[
            InputRequired("Reviews a day: enter a number."),
            NumberRange(1, 500, "Reviews a day: choose a number from 1 to 500."),
        ],
        description="At most this many reviews in any 24 hours; the rest wait for later days.",
    )


def _class_name() -> StringField:
    return StringField(
        "Class name",
        validators=[DataRequired("Name the class."), at_most("A class name", 200)],
        description="For example “Science policy, autumn 2026, section B”.",
    )


class RenameForm(FlaskForm):
    name = _class_name()


class CourseForm(FlaskForm):
    name = _class_name()
    policy = SelectField(
        "Gradebook score",
        choices=POLICY_CHOICES,
        default="best",
    )


class PolicyForm(FlaskForm):
    policy = SelectField(
        "Score each quiz by",
        choices=POLICY_CHOICES,
    )


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        validators=[
            DataRequired("Enter the join code your instructor gave you."),
            at_most("A join code", 32),
        ],
        description="Eight letters and digits, e.g. K7QM2XPA.",
    )


class UploadForm(FlaskForm):
    file = FileField(
        "Bank file (YAML)",
        validators=[
            FileRequired("Choose a .yaml file to upload."),
            FileAllowed(["yaml", "yml"], "Upload a .yaml or .yml file."),
        ],
        description="A .yaml or .yml file of at most 1 MB.",
    )


class ConfirmUploadForm(FlaskForm):
    """The checked upload, signed, carried from the confirmation page back to the server."""

    upload = HiddenField(validators=[DataRequired()])


class TimezoneForm(FlaskForm):
    timezone = SelectField(
        "Time zone",
        choices=[SelectChoice(name) for name in zone_names()],
        validate_choice=False,  # is_zone below says which names the server knows
        description=(
            "Where the class meets: assignment dates are typed and shown in this zone. "
            "Changing it keeps each date's moment and shows it in the new zone."
        ),
    )

    def validate_timezone(self, field) -> None:
        if not is_zone(field.data or ""):
            raise ValidationError("Time zone: choose one from the list, such as Europe/London.")
