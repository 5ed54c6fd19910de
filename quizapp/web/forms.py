"""WTForms forms (CSRF-protected through Flask-WTF)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
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
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from quizapp.accounts.users import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    email_problem,
    password_problem,
    username_problem,
)
from quizapp.authoring.source import DIFFICULTIES
from quizapp.teaching.assignments import OverrideSettings, Settings
from quizapp.teaching.zones import in_zone, is_zone, to_utc, zone_names

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


# Assignments

ASSIGNMENT_POLICY_CHOICES = [
    *POLICY_CHOICES,
    SelectChoice("first", "First attempt"),
]
FEEDBACK_CHOICES = [
    SelectChoice("immediately", "Immediately, after each answer"),
    SelectChoice("after_attempt", "After the attempt is submitted"),
    SelectChoice("after_close", "After the close date"),
    SelectChoice("never", "Never (score only)"),
]
# datetime-local sends the first; a browser without it shows a text box, where people type
# the second.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
DRAW_FIELD = "draw-"  # + a bank id: how many questions an attempt draws from that bank


def _moment(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        validators=[Optional()],
        format=DATETIME_FORMATS,
        invalid_value_message=f"{label}: enter a date and time, like 2026-09-11 17:00.",
    )


def _whole(label: str, validators=None, **kwargs) -> IntegerField:
    return IntegerField(
        label,
        validators=validators or [Optional()],
        invalid_value_message=f"{label}: enter a whole number.",
        render_kw={"min": 0},
        **kwargs,
    )


class AssignmentForm(FlaskForm):
    """An assignment's settings; the rules are teaching.assignments.check's (the CLI's too).

    Build it with ``assignment_form``, which adds one count per bank and sets the class's
    time zone: dates are its wall clock, converted from and to the stored UTC.
    """

    zone = "UTC"

    title = StringField("Title")
    instructions = TextAreaField(
        "Instructions",
        description=(
            "Optional; shown to students before they start. Markdown: **bold**, *italic*, "
            "`code`, [a link](https://example.org)."
        ),
        render_kw={"rows": 4},
    )
    points = FloatField(
        "Points",
        validators=[InputRequired("Points: enter how many points the assignment is worth.")],
        default=10,
        invalid_value_message="Points: enter a number, like 10 or 12.5.",
        description="What the gradebook counts it out of.",
    )
    tags = StringField(
        "Only questions tagged",
        description=(
            "Optional, comma-separated: a question with any of these tags is in the pool. "
            "Empty: every question of the banks."
        ),
    )
    difficulties = SelectMultipleField(
        "Only these difficulties",
        choices=[SelectChoice(d, d.title()) for d in DIFFICULTIES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="None ticked: every difficulty.",
    )
    spread = BooleanField(
        "Spread the draw: no two questions of an attempt cite the same passage, where the "
        "pool allows"
    )
    opens_at = _moment("Opens at")
    closes_at = _moment("Closes at")
    time_limit = _whole("Time limit (minutes)", description="Empty: no time limit.")
    attempts_allowed = _whole("Attempts allowed", description="Empty: unlimited.")
    score_policy = SelectField("Grade by", choices=ASSIGNMENT_POLICY_CHOICES, default="best")
    feedback = RadioField("Feedback shows", choices=FEEDBACK_CHOICES, default="immediately")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.draw_errors: list[str] = []  # the rules' problems with the banks and counts

    def draw_fields(self) -> list[tuple[str, IntegerField]]:
        """Return (bank id, count field) for each bank, in the order the form was built with."""
        return [(f.name.removeprefix(DRAW_FIELD), f) for f in self if f.name.startswith(DRAW_FIELD)]

    def settings(self, locked: Settings | None = None) -> Settings:
        """Return the settings the form holds, its dates read as the class's wall clock.

        ``locked``: the stored settings whose pool (banks, counts, tags, difficulties) the
        page showed disabled; a browser does not send disabled inputs, so what is missing
        keeps its stored value (anything sent is passed on, for the service to refuse).
        """
        draw = [(bank_id, f.data) for bank_id, f in self.draw_fields() if f.data]
        tags = [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]
        difficulties = list(self.difficulties.data or [])
        if locked is not None:
            if not any(f.raw_data for _, f in self.draw_fields()):
                draw = list(locked.draw)
            if not self.tags.raw_data:
                tags = list(locked.tags)
            if not self.difficulties.raw_data:
                difficulties = list(locked.difficulties)
        return Settings(
            title=self.title.data or "",
            draw=draw,
            instructions=self.instructions.data or "",
            points=self.points.data,
            tags=tags,
            difficulties=difficulties,
            spread=self.spread.data,
            opens_at=to_utc(self.opens_at.data, self.zone) if self.opens_at.data else None,
            closes_at=to_utc(self.closes_at.data, self.zone) if self.closes_at.data else None,
            time_limit=self.time_limit.data,
            attempts_allowed=self.attempts_allowed.data,
            score_policy=self.score_policy.data,
            feedback=self.feedback.data,
        )

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the rules' problems beside their fields ("draw" beside the bank counts)."""
        self.draw_errors += errors.get("draw", [])
        for name, messages in errors.items():
            if name != "draw":
                self[name].errors = [*self[name].errors, *messages]


def assignment_form(
    banks: list[tuple[str, str]], zone: str, stored: Settings | None = None
) -> AssignmentForm:
    """Return the assignment form with a count per bank (several banks, no script needed).

    ``banks``: (id, title) pairs; ``zone``: the class's; ``stored``: the settings to show
    when nothing is posted (their dates in the class's zone).
    """

    class WithBanks(AssignmentForm):
        pass

    for bank_id, title in banks:
        field = _whole(f"Questions from {title}", validators=[
            Optional(), NumberRange(min=0, message=f"Questions from {title}: 0 or more.")
        ])  # fmt: skip
        setattr(WithBanks, DRAW_FIELD + bank_id, field)
    form = WithBanks(**(_assignment_values(stored, zone) if stored else {}))
    form.zone = zone
    form.opens_at.label.text = f"Opens at ({zone} time)"
    form.closes_at.label.text = f"Closes at ({zone} time)"
    return form


def _assignment_values(settings: Settings, zone: str) -> dict:
    values = {
        "title": settings.title,
        "instructions": settings.instructions,
        "points": int(settings.points) if settings.points.is_integer() else settings.points,
        "tags": ", ".join(settings.tags),
        "difficulties": list(settings.difficulties),
        "spread": settings.spread,
        "opens_at": in_zone(settings.opens_at, zone) if settings.opens_at else None,
        "closes_at": in_zone(settings.closes_at, zone) if settings.closes_at else None,
        "time_limit": settings.time_limit,
        "attempts_allowed": settings.attempts_allowed,
        "score_policy": settings.score_policy,
        "feedback": settings.feedback,
    }
    values.update({DRAW_FIELD + bank_id: count for bank_id, count in settings.draw})
    return values


class OverrideForm(FlaskForm):
    """One student's accommodation on an assignment; empty fields change nothing.

    Build it with ``override_form``, which sets the class's time zone for the close date.
    """

    zone = "UTC"
    time_factor = FloatField(
        "Time factor",
        validators=[Optional()],
        invalid_value_message="Time factor: enter a number, like 1.5.",
        description="1.5 gives half as much time again; empty or 1: no change.",
    )
    extra_minutes = _whole(
        "Extra minutes", description="Added to the time limit, after the time factor."
    )
    closes_at = _moment("Later close date")
    extra_attempts = _whole("Extra attempts", description="On top of the attempts allowed.")

    def settings(self) -> OverrideSettings:
        """Return the accommodation the form holds, its date read as the class's wall clock."""
        return OverrideSettings(
            extra_minutes=self.extra_minutes.data or 0,
            time_factor=1.0 if self.time_factor.data is None else self.time_factor.data,
            closes_at=to_utc(self.closes_at.data, self.zone) if self.closes_at.data else None,
            extra_attempts=self.extra_attempts.data or 0,
        )

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the rules' problems beside their fields."""
        for name, messages in errors.items():
            self[name].errors = [*self[name].errors, *messages]


def override_form(zone: str, stored=None) -> OverrideForm:
    """Return the accommodation form in a class's zone, showing ``stored`` (an override)."""
    values = {}
    if stored is not None:
        values = {
            "extra_minutes": stored.extra_minutes or None,
            "time_factor": stored.time_factor if stored.time_factor != 1 else None,
            "closes_at": in_zone(stored.closes_at, zone) if stored.closes_at else None,
            "extra_attempts": stored.extra_attempts or None,
        }
    form = OverrideForm(**values)
    form.zone = zone
    form.closes_at.label.text = f"Later close date ({zone} time)"
    return form


class DuplicateForm(FlaskForm):
    """Where a copy of an assignment goes (choices: the instructor's classes) and its title."""

    course = SelectField("Copy to class", coerce=int)
    title = StringField(
        "Title of the copy",
        validators=[DataRequired("Give the copy a title."), at_most("A title", 200)],
    )
