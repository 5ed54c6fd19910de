"""The administrators' LTI pages on both backends: who may open them, the registration form's
errors beside their fields, deployments, removal, key rotation, the values to paste and the
Canvas JSON."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp import clock
from quizapp.extensions import db
from quizapp.lti import platforms
from quizapp.models import LtiContext, LtiPlatform
from tests.conftest import Auth, csrf_from
from tests.factories import class_with_students, frozen_clock, make_user

MOODLE = "https://moodle.example.edu"
FORM = {
    "name": "Moodle",
    "issuer": MOODLE,
    "client_id": "abc123",
    "deployment_ids": "1\r\n2\r\n",
    "auth_login_url": f"{MOODLE}/mod/lti/auth.php",
    "auth_token_url": f"{MOODLE}/mod/lti/token.php",
    "key_set_url": f"{MOODLE}/mod/lti/certs.php",
    "auth_audience": "",
}
PAGES = [
    "/admin/",
    "/admin/lti",
    "/admin/lti/keys/rotate",
    "/admin/lti/keys/drop",
]


@pytest.fixture
def admin(app, client):
    """The test client, signed in as an administrator."""
    make_user(app, "root", role="admin")
    Auth(client).login("root")
    return client


def _register(app, **changes) -> int:
    with app.app_context():
        return platforms.add_platform(
            platforms.PlatformSettings(
                name="Moodle",
                issuer=MOODLE,
                client_id="abc123",
                auth_login_url=f"{MOODLE}/mod/lti/auth.php",
                auth_token_url=f"{MOODLE}/mod/lti/token.php",
                key_set_url=f"{MOODLE}/mod/lti/certs.php",
                deployment_ids=["1"],
                **changes,
            )
        ).id


def _post(client, url: str, data: dict | None = None, page: str | None = None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    platform_id = _register(app)
    for url in [*PAGES, f"/admin/lti/platforms/{platform_id}"]:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location, url
    assert client.post("/admin/lti/keys/rotate").status_code in (302, 400)


@pytest.mark.parametrize("role", ["student", "instructor"])
def test_students_and_instructors_get_the_site_403_page(app, client, role):
    platform_id = _register(app)
    make_user(app, "someone", role=role)
    Auth(client).login("someone")
    for url in [
        *PAGES,
        f"/admin/lti/platforms/{platform_id}",
        f"/admin/lti/platforms/{platform_id}/remove",
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This page is for administrators." in response.get_data(as_text=True)
    # Nor can they post: the rotation is refused before anything changes.
    token = csrf_from(client.get("/quizzes").get_data(as_text=True))
    refused = client.post("/admin/lti/keys/rotate", data={"csrf_token": token})
    assert refused.status_code == 403
    with app.app_context():
        assert len(platforms.tool_keys()) == 1


def test_an_admin_opens_every_page(app, admin):
    platform_id = _register(app)
    for url in [
        *PAGES,
        f"/admin/lti/platforms/{platform_id}",
        f"/admin/lti/platforms/{platform_id}/remove",
    ]:
        response = admin.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"
    assert admin.get("/admin/lti/platforms/999").status_code == 404


def test_the_header_links_to_the_admin_page_for_admins_only(app, client, admin):
    nav = admin.get("/").get_data(as_text=True).split('aria-label="Main"')[1].split("</nav>")[0]
    assert 'href="/admin/lti"' in nav and 'href="/teach/"' in nav
    other = app.test_client()
    make_user(app, "prof", role="instructor")
    Auth(other).login("prof")
    assert 'href="/admin/lti"' not in other.get("/").get_data(as_text=True)


def test_adding_a_platform_shows_it_in_the_list(app, admin):
    response = _post(admin, "/admin/lti", FORM)
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalars(select(LtiPlatform)).one()
        assert [d.deployment_id for d in made.deployments] == ["1", "2"]
    assert response.location.endswith(f"/admin/lti/platforms/{made.id}")
    page = admin.get(response.location).get_data(as_text=True)
    assert "Moodle is registered" in page
    listed = admin.get("/admin/lti").get_data(as_text=True)
    row = listed.split('id="platforms"')[1].split("</table>")[0]
    assert "Moodle" in row and MOODLE in row and "abc123" in row
    assert "<code>1</code>, <code>2</code>" in row


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Give the platform a name you will recognise (e.g. Moodle)."),
        ("issuer", "moodle", "Issuer (Platform ID): give a full web address starting with https://."),
        ("client_id", " ", "Client ID: required: the platform shows it once the tool is added."),
        ("deployment_ids", "\r\n", "Deployment IDs: give at least one deployment id"),
        ("auth_login_url", "", "Authentication request URL: required."),
        ("auth_token_url", "token.php", "Access token URL: give a full web address starting with https://."),
        ("key_set_url", "https://" + "x" * 2000, "Public keyset URL: at most 2000 characters."),
        ("auth_audience", "aud", "Token audience (optional): give a full web address starting with https://."),
    ],
)  # fmt: skip
def test_the_add_form_puts_each_error_beside_its_field(app, admin, field, value, message):
    response = _post(admin, "/admin/lti", {**FORM, field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1).replace("&#39;", "'")
    described = re.search(rf'<(?:input|textarea)[^>]*id="{field}"[^>]*>', page).group(0)
    assert f"{field}-error" in described and 'aria-invalid="true"' in described
    assert page.count('class="error"') == 1
    # What was typed stays in the form.
    assert 'value="abc123"' in page or field == "client_id"
    with app.app_context():
        assert db.session.scalars(select(LtiPlatform)).all() == []


def test_registering_the_same_client_twice_is_an_error_beside_the_client_id(app, admin):
    _register(app)
    response = _post(admin, "/admin/lti", FORM)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="client_id-error">.*registered already', page, re.S)


def test_an_admin_adds_a_deployment_and_an_empty_one_is_an_error(app, admin):
    platform_id = _register(app)
    url = f"/admin/lti/platforms/{platform_id}"
    empty = _post(admin, url, {"deployment_id": "  "})
    assert empty.status_code == 400
    assert 'id="deployment_id-error"' in empty.get_data(as_text=True)
    added = _post(admin, url, {"deployment_id": "deployment-7"})
    assert added.status_code == 303
    page = admin.get(url).get_data(as_text=True)
    assert "deployment-7 are accepted now" in page and "<code>deployment-7</code>" in page
    again = _post(admin, url, {"deployment_id": "deployment-7"})
    assert "was accepted already" in admin.get(again.location).get_data(as_text=True)


def test_the_platform_page_lists_its_lms_courses_and_their_classes(app, admin):
    platform_id = _register(app)
    url = f"/admin/lti/platforms/{platform_id}"
    assert "No course has launched quizapp" in admin.get(url).get_data(as_text=True)
    course_id, _ = class_with_students(app, names=())
    with app.app_context():
        db.session.add(
            LtiContext(platform_id=platform_id, deployment_id="1", context_id="c-1",
                       title="POL 101 <autumn>", course_id=course_id)
        )  # fmt: skip
        db.session.commit()
    page = admin.get(url).get_data(as_text=True)
    row = page.split('id="courses"')[1].split("</table>")[0]
    assert "POL 101 &lt;autumn&gt;" in row and "Policy 101" in row and "not yet" in row


def test_removing_a_platform_asks_first_then_forgets_it(app, admin):
    platform_id = _register(app)
    url = f"/admin/lti/platforms/{platform_id}/remove"
    ask = admin.get(url).get_data(as_text=True)
    assert "Remove Moodle?" in ask and "0 LMS users, 0 courses, 0 links" in ask
    response = _post(admin, url)
    assert response.status_code == 303 and response.location.endswith("/admin/lti")
    assert "Moodle is removed" in admin.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LtiPlatform, platform_id) is None
    assert admin.get(url).status_code == 404


def test_rotating_and_dropping_keys_through_the_pages(app, admin, client, monkeypatch):
    state = frozen_clock(monkeypatch, clock.now())
    _register(app)
    (old,) = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert "Make a new signing key?" in admin.get("/admin/lti/keys/rotate").get_data(as_text=True)
    response = _post(admin, "/admin/lti/keys/rotate")
    assert response.status_code == 303
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert len(kids) == 2 and kids[1] == old
    assert f"new key ({kids[0]})" in admin.get(response.location).get_data(as_text=True)
    soon = _post(admin, "/admin/lti/keys/drop")
    assert "No key was retired more than 1 hour ago" in admin.get(soon.location).get_data(
        as_text=True
    )
    state["now"] += timedelta(hours=2)
    later = _post(admin, "/admin/lti/keys/drop")
    assert "1 old key no longer published" in admin.get(later.location).get_data(as_text=True)
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [kids[0]]


def test_the_page_shows_the_values_to_paste_in_labelled_read_only_inputs(app, admin):
    # The address as the request reached the site (the session cookie is for localhost).
    base = "https://localhost:8443"
    page = admin.get("/admin/lti", base_url=base).get_data(as_text=True)
    expected = {
        "Tool URL": f"{base}/lti/launch",
        "Initiate login URL": f"{base}/lti/login",
        "Redirection URI": f"{base}/lti/launch",
        "Public keyset URL": f"{base}/lti/jwks",
        "Deep linking URL": f"{base}/lti/launch",
        "Canvas JSON URL": f"{base}/lti/config/canvas.json",
    }
    for label, value in expected.items():
        match = re.search(
            rf'<label for="(tool-\d+)">{re.escape(label)}</label>\s*<input type="text" id="\1" '
            rf'value="{re.escape(value)}" readonly',
            page,
        )
        assert match, label
    assert '<label for="canvas-json">' in page and "readonly" in page


def test_canvas_json_is_valid_with_absolute_urls_and_the_deep_linking_placements(client):
    response = client.get("/lti/config/canvas.json", base_url="https://quiz.example.edu")
    assert response.status_code == 200 and response.mimetype == "application/json"
    config = json.loads(response.get_data(as_text=True))
    assert config["oidc_initiation_url"] == "https://quiz.example.edu/lti/login"
    assert config["target_link_uri"] == "https://quiz.example.edu/lti/launch"
    assert config["public_jwk_url"] == "https://quiz.example.edu/lti/jwks"
    assert config["title"] and config["description"] and config["custom_fields"] == {}
    assert set(config["scopes"]) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
    (extension,) = config["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "public"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection"}
    for placement in placements.values():
        assert placement["message_type"] == "LtiDeepLinkingRequest"
        assert placement["target_link_uri"] == "https://quiz.example.edu/lti/launch"


def test_canvas_json_follows_the_address_behind_a_path_prefix(client):
    response = client.get("/lti/config/canvas.json", base_url="http://host:8080/quiz/")
    assert response.get_json()["public_jwk_url"] == "http://host:8080/quiz/lti/jwks"


def test_the_configured_paths_are_the_routes_that_serve_them(app):
    from flask import url_for

    from quizapp.lti import configuration

    served = {
        "lti.jwks": configuration.JWKS_PATH,
        "lti_config": configuration.CANVAS_JSON_PATH,
        # The launch endpoints, once their routes are in (lti-launch): the same paths.
        "lti.login": configuration.LOGIN_PATH,
        "lti.launch": configuration.LAUNCH_PATH,
    }
    with app.test_request_context():
        assert url_for("lti.jwks") == configuration.JWKS_PATH
        assert url_for("lti.canvas_json") == configuration.CANVAS_JSON_PATH
        for endpoint, path in served.items():
            if endpoint in app.view_functions:
                assert url_for(endpoint) == path, endpoint
