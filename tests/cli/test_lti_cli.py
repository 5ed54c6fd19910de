"""`quizapp lti ...` on both backends: registration with the page's checks (exit 2, one line per
problem), the list as text and JSON, removal, deployments, key rotation and the config values."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp import clock
from quizapp.extensions import db
from quizapp.models import LtiContext, LtiIdentity, LtiPlatform, User
from tests.factories import class_with_students, frozen_clock, make_user

MOODLE = "https://moodle.example.edu"
SHOWN = "the platform shows it once the tool is added."
ADD_MOODLE = [
    "lti", "add-platform", "--name", "Moodle", "--issuer", MOODLE, "--client-id", "abc123",
    "--login-url", f"{MOODLE}/mod/lti/auth.php", "--token-url", f"{MOODLE}/mod/lti/token.php",
    "--jwks-url", f"{MOODLE}/mod/lti/certs.php", "--deployment", "1", "--deployment", "2",
]  # fmt: skip


def _with(change: dict[str, str]) -> list[str]:
    """ADD_MOODLE with some options' values replaced."""
    args = list(ADD_MOODLE)
    for option, value in change.items():
        args[args.index(option) + 1] = value
    return args


def _platforms(app) -> list[LtiPlatform]:
    with app.app_context():
        return list(db.session.scalars(select(LtiPlatform)))


def test_add_platform_registers_it_with_its_deployments(app, runner):
    result = runner.invoke(args=ADD_MOODLE)
    assert result.exit_code == 0, result.output
    (made,) = _platforms(app)
    assert result.stdout == (
        f"registered platform {made.id}: Moodle ({MOODLE}), client id abc123, 2 deployments\n"
    )
    with app.app_context():
        made = db.session.get_one(LtiPlatform, made.id)
        assert [d.deployment_id for d in made.deployments] == ["1", "2"]
        assert made.auth_token_url == f"{MOODLE}/mod/lti/token.php"
        assert made.auth_audience is None


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"--name": " "}, "--name: Give the platform a name you will recognise (e.g. Moodle)."),
        ({"--issuer": "moodle"}, "--issuer: Give a full web address starting with https://."),
        ({"--client-id": ""}, f"--client-id: Required: {SHOWN}"),
        ({"--login-url": "auth.php"}, "--login-url: Give a full web address starting with https://."),
        ({"--token-url": ""}, "--token-url: Required."),
        ({"--jwks-url": "ftp://x/certs"}, "--jwks-url: Give a full web address starting with https://."),
        ({"--name": "M" * 201}, "--name: At most 200 characters."),
        ({"--deployment": "x" * 501}, "--deployment: A deployment id is at most 500 characters."),
    ],
)  # fmt: skip
def test_add_platform_refuses_each_bad_field_with_its_message_and_exit_2(app, runner, change, line):
    result = runner.invoke(args=_with(change))
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert _platforms(app) == []


def test_add_platform_without_options_lists_every_missing_field(app, runner):
    result = runner.invoke(args=["lti", "add-platform"])
    assert result.exit_code == 2
    options = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert options == ["--name", "--issuer", "--client-id", "--login-url", "--token-url",
                       "--jwks-url", "--deployment"]  # fmt: skip
    assert "Traceback" not in result.output


def test_add_platform_refuses_a_bad_audience_and_a_registered_client_id(app, runner):
    result = runner.invoke(args=[*ADD_MOODLE, "--audience", "token"])
    assert (result.exit_code, result.stderr) == (
        2,
        "--audience: Give a full web address starting with https://.\n",
    )
    assert runner.invoke(args=ADD_MOODLE).exit_code == 0
    again = runner.invoke(args=ADD_MOODLE)
    assert again.exit_code == 2
    assert again.stderr == "--client-id: This issuer and client id are registered already.\n"
    assert len(_platforms(app)) == 1


def test_list_shows_platforms_as_text_and_json(app, runner):
    empty = runner.invoke(args=["lti", "list"])
    assert empty.exit_code == 0 and "no platforms registered yet" in empty.stderr
    assert json.loads(runner.invoke(args=["lti", "list", "--format", "json"]).stdout) == []
    runner.invoke(args=ADD_MOODLE)
    (made,) = _platforms(app)
    text = runner.invoke(args=["lti", "list"]).stdout.splitlines()
    assert text[0].split() == ["ID", "NAME", "ISSUER", "CLIENT", "ID", "DEPLOYMENTS", "CREATED"]
    assert text[1].split()[:6] == [str(made.id), "Moodle", MOODLE, "abc123", "1,", "2"]
    assert "Tool keys published at /lti/jwks:" in text
    assert sum("signing" in line for line in text) == 1
    listed = json.loads(runner.invoke(args=["lti", "list", "--format", "json"]).stdout)
    assert listed == [
        {
            "id": made.id,
            "name": "Moodle",
            "issuer": MOODLE,
            "client_id": "abc123",
            "deployment_ids": ["1", "2"],
            "login_url": f"{MOODLE}/mod/lti/auth.php",
            "token_url": f"{MOODLE}/mod/lti/token.php",
            "jwks_url": f"{MOODLE}/mod/lti/certs.php",
            "audience": None,
            "created": listed[0]["created"],
            "courses": [],
        }
    ]
    assert listed[0]["created"].endswith("+00:00")


def test_list_shows_the_lms_courses_with_their_classes(app, runner):
    runner.invoke(args=ADD_MOODLE)
    (made,) = _platforms(app)
    course_id, _ = class_with_students(app, names=())
    with app.app_context():
        context = LtiContext(
            platform_id=made.id, deployment_id="1", context_id="c-9", title="POL 101",
            course_id=course_id,
        )  # fmt: skip
        db.session.add(context)
        db.session.commit()
        context_id = context.id
    text = runner.invoke(args=["lti", "list"]).stdout
    courses = text.split("LMS courses")[1].split("Tool keys")[0].splitlines()
    assert courses[2].split() == [str(context_id), str(made.id), "POL", "101",
                                  f"{course_id}:", "Policy", "101", "-"]  # fmt: skip
    listed = json.loads(runner.invoke(args=["lti", "list", "--format", "json"]).stdout)
    assert listed[0]["courses"] == [
        {
            "id": context_id,
            "context_id": "c-9",
            "title": "POL 101",
            "class_id": course_id,
            "class": "Policy 101",
            "roster_synced": None,
        }
    ]


def test_list_refuses_an_unknown_format(app, runner):
    result = runner.invoke(args=["lti", "list", "--format", "xml"])
    assert result.exit_code == 2 and "'xml' is not one of 'text', 'json'" in result.stderr


def test_remove_says_what_the_platform_had_and_keeps_the_accounts(app, runner):
    runner.invoke(args=ADD_MOODLE)
    (made,) = _platforms(app)
    make_user(app, "lmsuser")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lmsuser"))
        db.session.add(LtiIdentity(platform_id=made.id, subject="s-1", user_id=user.id))
        db.session.add(LtiContext(platform_id=made.id, deployment_id="1", context_id="c-1"))
        db.session.commit()
    result = runner.invoke(args=["lti", "remove", MOODLE, "--yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"removed platform {made.id}: Moodle ({MOODLE}); forgot 1 LMS user, 1 course, 0 links, "
        "0 unsent grades (accounts, classes and assignments stay)\n"
    )
    assert _platforms(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 0
        assert db.session.scalar(select(User.id).where(User.username == "lmsuser"))


def test_remove_without_yes_and_without_a_terminal_asks_for_yes(app, runner):
    runner.invoke(args=ADD_MOODLE)
    result = runner.invoke(args=["lti", "remove", MOODLE])
    assert result.exit_code == 2 and "add --yes to remove" in result.stderr
    assert len(_platforms(app)) == 1


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("99", "no platform with id 99"),
        ("https://nowhere.example", "no platform with issuer 'https://nowhere.example'"),
        ("99999999999999999999999", "no platform with id 99999999999999999999999"),
    ],
)
def test_remove_refuses_what_names_no_platform(app, runner, ref, message):
    result = runner.invoke(args=["lti", "remove", ref, "--yes"])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_an_issuer_with_two_registrations_asks_for_the_id(app, runner):
    runner.invoke(args=ADD_MOODLE)
    runner.invoke(args=_with({"--client-id": "other"}))
    result = runner.invoke(args=["lti", "remove", MOODLE, "--yes"])
    assert result.exit_code == 2 and f"2 platforms have issuer '{MOODLE}'" in result.stderr
    assert len(_platforms(app)) == 2


def test_add_deployment_accepts_a_new_id_once_and_refuses_an_empty_one(app, runner):
    runner.invoke(args=ADD_MOODLE)
    (made,) = _platforms(app)
    added = runner.invoke(args=["lti", "add-deployment", str(made.id), " 7 "])
    assert added.exit_code == 0
    assert added.stdout == f"platform {made.id}: Moodle ({MOODLE}) now accepts deployment 7\n"
    again = runner.invoke(args=["lti", "add-deployment", MOODLE, "7"])
    assert again.exit_code == 0 and "already accepts deployment 7" in again.stdout
    empty = runner.invoke(args=["lti", "add-deployment", MOODLE, " "])
    assert empty.exit_code == 2 and "Give the deployment id the platform shows." in empty.stderr
    with app.app_context():
        made = db.session.get_one(LtiPlatform, made.id)
        assert [d.deployment_id for d in made.deployments] == ["1", "2", "7"]


def test_rotate_key_changes_the_jwks_and_drop_old_keys_drops_the_old_one(
    app, runner, client, monkeypatch
):
    state = frozen_clock(monkeypatch, clock.now())
    runner.invoke(args=ADD_MOODLE)
    (old,) = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    rotated = runner.invoke(args=["lti", "rotate-key"])
    assert rotated.exit_code == 0
    new = rotated.stdout.split()[3].rstrip(";")
    assert new != old
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [new, old]
    # Within the hour platforms may still hold the old set: nothing is dropped yet.
    kept = runner.invoke(args=["lti", "drop-old-keys"])
    assert kept.exit_code == 0 and "nothing dropped" in kept.stdout
    state["now"] += timedelta(hours=2)
    dropped = runner.invoke(args=["lti", "drop-old-keys"])
    assert dropped.stdout == "stopped publishing 1 old key\n"
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [new]


def test_drop_old_keys_refuses_a_negative_age(app, runner):
    result = runner.invoke(args=["lti", "drop-old-keys", "--retired-for", "-1"])
    assert result.exit_code == 2 and "--retired-for" in result.stderr


def test_config_prints_the_values_to_paste(app, runner):
    result = runner.invoke(args=["lti", "config", "--base-url", "https://quiz.example.edu/"])
    assert result.exit_code == 0, result.output
    values = dict(
        line.split(":  ", 1) for line in result.stdout.splitlines() if not line.startswith(" ")
    )
    assert {k.rstrip(": "): v.strip() for k, v in values.items()} == {
        "Tool URL": "https://quiz.example.edu/lti/launch",
        "Initiate login URL": "https://quiz.example.edu/lti/login",
        "Redirection URI": "https://quiz.example.edu/lti/launch",
        "Public keyset URL": "https://quiz.example.edu/lti/jwks",
        "Deep linking URL": "https://quiz.example.edu/lti/launch",
        "Canvas JSON URL": "https://quiz.example.edu/lti/config/canvas.json",
    }
    assert result.stderr == ""


def test_config_keeps_a_path_prefix_and_warns_about_http(app, runner):
    result = runner.invoke(args=["lti", "config", "--base-url", "http://host:8000/quiz"])
    assert result.exit_code == 0
    assert "http://host:8000/quiz/lti/login" in result.stdout
    assert "https" in result.stderr


@pytest.mark.parametrize("base", [None, "quiz.example.edu", "https://q.example.edu/?a=1"])
def test_config_refuses_a_missing_or_bad_base_url(app, runner, base):
    args = ["lti", "config"] + ([] if base is None else ["--base-url", base])
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert "--base-url" in result.stderr and "Traceback" not in result.output
