"""Access-control matrix: every route x every kind of visitor x every method it accepts.

Objects belong to student A (an attempt, a review, a place in instructor I1's class); B is
another student, I2 another instructor. Other people's objects are asked for by id (IDOR).
A route added to the app without a row here fails ``test_every_route_is_in_the_matrix``.
"""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.learning import cards
from quizapp.learning.review import submit_review
from quizapp.models import Question, QuestionVersion, User
from quizapp.models.content import utcnow
from quizapp.teaching import assignments
from quizapp.teaching.assignments import Settings
from tests.conftest import Auth, csrf_from
from tests.factories import create_class, join, make_user
from tests.quizhelp import start

ROLES = ("anon", "A", "B", "I1", "I2")
OK, LOGIN = "ok", "login"


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    url: str  # formatted with the ids of the world below
    expect: tuple  # one outcome per role, in ROLES order


def everyone(endpoint, url, method="GET"):
    return Row(endpoint, method, url, (OK,) * 5)


def signed_in(endpoint, url, method="GET"):
    return Row(endpoint, method, url, (LOGIN, OK, OK, OK, OK))


def owner_only(endpoint, url, method="GET"):
    return Row(endpoint, method, url, (LOGIN, OK, 404, 404, 404))


def instructors(endpoint, url, method="GET"):
    return Row(endpoint, method, url, (LOGIN, 403, 403, OK, OK))


def class_owner(endpoint, url, method="GET"):
    return Row(endpoint, method, url, (LOGIN, 403, 403, OK, 404))


def admins(endpoint, url, method="GET"):
    # No one in this world is an administrator (tests/lti/test_admin_pages.py signs one in).
    return Row(endpoint, method, url, (LOGIN, 403, 403, 403, 403))


def launched_only(endpoint, url, method="GET"):
    # Pages of a session an LMS launch opened (tests/lti/test_launches.py opens them).
    return Row(endpoint, method, url, (LOGIN, 403, 403, 403, 403))


ATTEMPT = "/attempts/{attempt}"
ASSIGNMENTS = "/teach/classes/{c1}/assignments"
ASSIGNMENT = ASSIGNMENTS + "/{assignment}"
I2_ONLY = (LOGIN, 403, 403, 404, OK)  # a change to I2's class
MATRIX = [
    everyone("reader.index", "/"),
    everyone("reader.favicon", "/favicon.ico"),
    everyone("reader.read", "/read/big-science"),
    everyone("static", "/static/style.css"),
    everyone("health.health", "/health"),
    everyone("auth.login", "/auth/login"),
    everyone("auth.login", "/auth/login", "POST"),
    everyone("auth.register", "/auth/register"),
    everyone("auth.register", "/auth/register", "POST"),
    signed_in("auth.logout", "/auth/logout", "POST"),
    # A password link works for whoever holds it; a made-up one leads nowhere, for everyone
    Row("auth.reset", "GET", "/auth/reset/made-up", (404,) * 5),
    Row("auth.reset", "POST", "/auth/reset/made-up", (404,) * 5),
    signed_in("auth.password", "/auth/password"),
    signed_in("auth.password", "/auth/password", "POST"),
    signed_in("learner.quizzes", "/quizzes"),
    signed_in("learner.start", "/quizzes/{bank}/start", "POST"),
    # An assignment of I1's class: only its students may start it; to others it does not exist
    owner_only("learner.assignment", "/assignments/{assignment}"),
    owner_only("learner.start_assignment", "/assignments/{assignment}/start", "POST"),
    signed_in("learner.dashboard", "/progress"),
    signed_in("learner.review_home", "/review"),
    signed_in("learner.review_home", "/review", "POST"),
    signed_in("learner.review_next", "/review/next"),
    signed_in("learner.review_answer", "/review/answer", "POST"),
    signed_in("learner.join", "/classes/join"),
    signed_in("learner.join", "/classes/join", "POST"),
    Row("learner.leave", "GET", "/classes/{c1}/leave", (LOGIN, OK, 404, 404, 404)),
    owner_only("learner.review_feedback", "/review/{review}"),
    owner_only("learner.resume", ATTEMPT),
    owner_only("learner.question", ATTEMPT + "/q/1"),
    owner_only("learner.question", ATTEMPT + "/q/2"),
    owner_only("learner.answer", ATTEMPT + "/q/2", "POST"),
    owner_only("learner.feedback", ATTEMPT + "/q/1/feedback"),
    owner_only("learner.results", ATTEMPT + "/results"),
    owner_only("learner.finish", ATTEMPT + "/finish"),
    owner_only("learner.finish", ATTEMPT + "/finish", "POST"),
    # LTI endpoints an LMS and its browsers call: public, their own checks are in tests/lti
    everyone("lti.jwks", "/lti/jwks"),
    everyone("lti.canvas_json", "/lti/config/canvas.json"),
    # Without an LMS's parameters these say where launches come from (400: OK here)
    everyone("lti.login", "/lti/login"),
    everyone("lti.login", "/lti/login", "POST"),
    everyone("lti.launch", "/lti/launch", "POST"),
    # Pages of a launched session: anyone else is told to open quizapp from the LMS
    launched_only("lti.choose", "/lti/assignments"),
    launched_only("lti.choose", "/lti/assignments", "POST"),
    launched_only("lti.link_account", "/lti/link-account"),
    launched_only("lti.link_account", "/lti/link-account", "POST"),
    signed_in("lti.not_set_up", "/lti/not-set-up"),
    admins("admin.home", "/admin/"),
    admins("admin.lti", "/admin/lti"),
    admins("admin.lti", "/admin/lti", "POST"),
    admins("admin.platform", "/admin/lti/platforms/1"),
    admins("admin.platform", "/admin/lti/platforms/1", "POST"),
    admins("admin.remove_platform", "/admin/lti/platforms/1/remove"),
    admins("admin.remove_platform", "/admin/lti/platforms/1/remove", "POST"),
    admins("admin.rotate_key", "/admin/lti/keys/rotate"),
    admins("admin.rotate_key", "/admin/lti/keys/rotate", "POST"),
    admins("admin.drop_old_keys", "/admin/lti/keys/drop"),
    admins("admin.drop_old_keys", "/admin/lti/keys/drop", "POST"),
    instructors("instructor.home", "/teach/"),
    instructors("instructor.home", "/teach/", "POST"),
    instructors("instructor.banks", "/teach/banks"),
    instructors("instructor.banks", "/teach/banks", "POST"),
    instructors("instructor.confirm_upload", "/teach/banks/confirm", "POST"),
    instructors("instructor.download_bank", "/teach/banks/{bank}.yaml"),
    instructors("instructor.download_bank", "/teach/banks/{bank}.gift"),
    instructors("instructor.download_bank", "/teach/banks/{bank}.xml"),
    instructors("instructor.items", "/teach/items"),
    instructors("instructor.recompute_items", "/teach/items/recompute", "POST"),
    instructors("instructor.export_items", "/teach/items.csv"),
    class_owner("instructor.items", "/teach/items?course={c1}"),
    class_owner("instructor.export_items", "/teach/items.csv?course={c1}"),
    class_owner("instructor.course", "/teach/classes/{c1}"),
    class_owner("instructor.course", "/teach/classes/{c1}", "POST"),
    class_owner("instructor.sync_roster", "/teach/classes/{c1}/sync-roster", "POST"),
    class_owner("instructor.heatmap", "/teach/classes/{c1}/heatmap"),
    class_owner("instructor.settings", "/teach/classes/{c1}/settings"),
    class_owner("instructor.settings", "/teach/classes/{c1}/settings", "POST"),
    class_owner("instructor.delete_class", "/teach/classes/{c1}/delete"),
    class_owner("instructor.export_scores", "/teach/classes/{c1}/scores.csv"),
    class_owner("instructor.export_scores", "/teach/classes/{c1}/scores.csv?format=long"),
    class_owner("instructor.student", "/teach/classes/{c1}/students/{a}"),
    class_owner("instructor.attempt", "/teach/classes/{c1}/students/{a}/attempts/{attempt}"),
    class_owner("instructor.reset_link", "/teach/classes/{c1}/students/{a}/reset-link", "POST"),
    class_owner("instructor.remove_student", "/teach/classes/{c1}/students/{a}/remove"),
    class_owner("instructor.timezone", "/teach/classes/{c1}/timezone", "POST"),
    class_owner("instructor.assignments", ASSIGNMENTS),
    class_owner("instructor.new_assignment", ASSIGNMENTS + "/new"),
    class_owner("instructor.new_assignment", ASSIGNMENTS + "/new", "POST"),
    class_owner("instructor.assignment", ASSIGNMENT),
    class_owner("instructor.edit_assignment", ASSIGNMENT + "/edit"),
    class_owner("instructor.edit_assignment", ASSIGNMENT + "/edit", "POST"),
    class_owner("instructor.duplicate_assignment", ASSIGNMENT + "/duplicate"),
    class_owner("instructor.duplicate_assignment", ASSIGNMENT + "/duplicate", "POST"),
    class_owner("instructor.delete_assignment", ASSIGNMENT + "/delete"),
    class_owner("instructor.release_feedback", ASSIGNMENT + "/release", "POST"),
    class_owner("instructor.preview_assignment", ASSIGNMENT + "/preview", "POST"),
    class_owner("instructor.overrides", ASSIGNMENT + "/overrides"),
    class_owner("instructor.override", ASSIGNMENT + "/overrides/{a}"),
    class_owner("instructor.override", ASSIGNMENT + "/overrides/{a}", "POST"),
    class_owner("instructor.remove_override", ASSIGNMENT + "/overrides/{a}/remove", "POST"),
    class_owner("instructor.resend_grades", ASSIGNMENT + "/lms-grades/resend", "POST"),
    class_owner("instructor.resend_grade", ASSIGNMENT + "/lms-grades/{a}/resend", "POST"),
    # B is not in I1's class: no accommodation for them, even through the right assignment
    Row("instructor.override", "GET", ASSIGNMENT + "/overrides/{b}", (LOGIN, 403, 403, 404, 404)),
    Row(
        "instructor.override",
        "POST",
        ASSIGNMENT + "/overrides/{b}",
        (LOGIN, 403, 403, 404, 404),
    ),
    Row(
        "instructor.remove_student",
        "POST",
        "/teach/classes/{c1}/students/{b}/remove",
        (LOGIN, 403, 403, OK, 404),  # the owner is told B is not in it; nothing changes
    ),
    Row(
        "instructor.reset_link",
        "POST",
        "/teach/classes/{c1}/students/{b}/reset-link",
        (LOGIN, 403, 403, 404, 404),
    ),
    # IDOR: a student who is not in the class, through the right class and the wrong one
    Row(
        "instructor.student", "GET", "/teach/classes/{c1}/students/{b}", (LOGIN, 403, 403, 404, 404)
    ),
    Row(
        "instructor.student", "GET", "/teach/classes/{c2}/students/{a}", (LOGIN, 403, 403, 404, 404)
    ),
    Row(
        "instructor.attempt",
        "GET",
        "/teach/classes/{c2}/students/{a}/attempts/{attempt}",
        (LOGIN, 403, 403, 404, 404),
    ),
    # Last, as they change the world: B leaves I2's class; then only I2 may change it
    # Others are told they are not in it (as after a second click on "Leave"); nothing changes.
    Row("learner.leave", "POST", "/classes/{c2}/leave", (LOGIN, OK, OK, OK, OK)),
    Row("instructor.new_code", "POST", "/teach/classes/{c2}/new-code", I2_ONLY),
    class_owner("instructor.delete_assignment", ASSIGNMENT + "/delete", "POST"),
    # I1 is told it has no such class, as after a second click (test_joining: nothing changes).
    Row("instructor.delete_class", "POST", "/teach/classes/{c2}/delete", (LOGIN, 403, 403, OK, OK)),
]


def test_every_route_is_in_the_matrix(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(row.endpoint, row.method) for row in MATRIX}
    assert routes - covered == set(), "add these routes to the access matrix"
    assert covered - routes == set(), "the matrix names routes that do not exist"


USERNAMES = {"I1": "instructor-1", "I2": "instructor-2", "A": "student-a", "B": "student-b"}


class World:
    """Two instructors with a class each, student A in I1's class with an attempt and a review."""

    def __init__(self, app):
        self.app = app
        make_user(app, USERNAMES["I1"], "instructor")
        make_user(app, USERNAMES["I2"], "instructor")
        self.clients = {"anon": app.test_client()}
        for role in ("I1", "I2"):
            self.clients[role] = self.login(USERNAMES[role])
        c1, code1 = create_class(self.clients["I1"], "Class one")
        c2, code2 = create_class(self.clients["I2"], "Class two")
        self.clients["A"] = join(app, USERNAMES["A"], code1)
        self.clients["B"] = join(app, USERNAMES["B"], code2)
        with app.app_context():
            bank = db.session.scalar(select(Question.bank_id).order_by(Question.bank_id))
            ids = {
                role.lower(): db.session.scalar(
                    select(User.id).where(User.username == USERNAMES[role])
                )
                for role in ("A", "B")
            }
        first = start(self.clients["A"], bank)
        self.attempt = int(re.search(r"/attempts/(\d+)", first).group(1))
        self.answer_first_question(first)
        with app.test_request_context():
            assignment = assignments.create(c1, Settings(title="Matrix", draw=[(bank, 1)])).id
        self.ids = dict(
            attempt=self.attempt,
            bank=bank,
            c1=c1,
            c2=c2,
            review=self.review(ids["a"]),
            assignment=assignment,
            **ids,
        )

    def login(self, username):
        client = self.app.test_client()
        Auth(client).login(username)
        return client

    def answer_first_question(self, url):
        client = self.clients["A"]
        page = client.get(url).get_data(as_text=True)
        data = {"csrf_token": csrf_from(page), "answer": "1"}
        for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page):
            data.setdefault(name, value)
        value = re.search(r'name="answer"[^>]*value="([^"]+)"', page)
        if value:
            data["answer"] = value.group(1)
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]

    def review(self, user_id):
        with self.app.app_context():
            version = db.session.execute(
                select(QuestionVersion.question_id)
                .join(Question, Question.current_version_id == QuestionVersion.id)
                .where(QuestionVersion.type == "numeric")
            ).first()
            # Only a question the student has a card for (has answered) can be reviewed.
            db.session.flush()
            cards.record(user_id, version.question_id, True, utcnow())
            db.session.commit()
            result = submit_review(user_id, "matrix-review", version.question_id, ["1"])
            assert result.error is None, result.error
            return result.review.id

    def request(self, role, method, url):
        client = self.clients[role]
        data = {}
        if method == "POST":
            page = client.get("/quizzes" if role != "anon" else "/auth/login")
            data["csrf_token"] = csrf_from(page.get_data(as_text=True))
        response = client.open(url.format(**self.ids), method=method, data=data)
        response.get_data()  # run streamed bodies to the end, inside their request context
        response.close()
        if url == "/auth/logout" and role != "anon":
            self.clients[role] = self.login(USERNAMES[role])
        return response


def outcome(response) -> object:
    if response.status_code in (301, 302, 303) and "/auth/login" in response.location:
        return LOGIN
    if response.status_code < 400 or response.status_code in (400, 422):
        return OK  # 400/422: the (empty) form was refused by validation, not by access control
    return response.status_code


def test_access_matrix(app):
    world = World(app)
    wrong, checked = [], 0
    for row in MATRIX:
        for role, expected in zip(ROLES, row.expect, strict=True):
            response = world.request(role, row.method, row.url)
            checked += 1
            got = outcome(response)
            assert response.status_code < 500, (row, role)
            if got != expected:
                wrong.append(f"{row.method} {row.url} as {role}: expected {expected}, got {got}")
    print(f"\naccess matrix: {len(MATRIX)} rows x {len(ROLES)} roles = {checked} requests")
    assert wrong == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_methods_a_route_does_not_accept_are_405(app, client, method):
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if "int" in m.group(0) else "x", rule.rule)
        assert client.open(url, method=method).status_code == 405, url


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_out_of_range_id_is_404_whatever_the_method(app, client, method):
    # Werkzeug would answer 405 to the POST: the question's GET route shares the path's shape.
    for url in ("/attempts/2147483648/q/1", "/attempts/1/q/99999999999", "/attempts/-1/q/1"):
        response = client.open(url, method=method)
        assert response.status_code == 404, url
        assert "There is nothing at this address" in response.text
