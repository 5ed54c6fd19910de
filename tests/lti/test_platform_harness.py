"""The LTI platform harness against a stand-in tool built on pylti1p3's Flask adapter.

The stand-in is what quizapp's tool side will be, cut to the bone: /lti/login, /lti/launch and
/lti/jwks through pylti1p3, launch data in the Flask session. A launch's custom claim tells it
what to do next (post a score, read the roster), so every service is exercised from a launch.
"""

import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import flask
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict
from werkzeug.serving import make_server

from tests.lti.platform import Platform, replay, submit
from tests.lti.platform_server import LIS

INSTRUCTOR = LIS + "Instructor"
LEARNER = LIS + "Learner"


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class StandInTool:
    """A minimal LTI tool on pylti1p3 whose keys can be rotated."""

    def __init__(self) -> None:
        self.platform: Platform | None = None
        self.url = ""
        self.private_key, self.public_key = _rsa_pair()
        self.used_nonces: set[str] = set()
        self.app = self._make_app()

    def rotate_key(self) -> None:
        self.private_key, self.public_key = _rsa_pair()

    def tool_conf(self) -> ToolConfDict:
        platform = self.platform
        assert platform is not None
        conf = ToolConfDict(
            {
                platform.issuer: {
                    "default": True,
                    "client_id": platform.client_id,
                    "auth_login_url": platform.auth_login_url,
                    "auth_token_url": platform.auth_token_url,
                    "auth_audience": None,
                    "key_set_url": platform.key_set_url,
                    "key_set": None,
                    "deployment_ids": [platform.deployment_id],
                }
            }
        )
        conf.set_private_key(platform.issuer, self.private_key)
        conf.set_public_key(platform.issuer, self.public_key)
        return conf

    def _make_app(self) -> flask.Flask:
        app = flask.Flask("standin_tool")
        app.secret_key = "stand-in tool"

        @app.route("/lti/login", methods=["GET", "POST"])
        def login():
            target = FlaskRequest().get_param("target_link_uri")
            return FlaskOIDCLogin(FlaskRequest(), self.tool_conf()).redirect(target)

        @app.get("/lti/jwks")
        def jwks():
            return flask.jsonify({"keys": [Registration.get_jwk(self.public_key)]})

        @app.post("/lti/launch")
        def launch():
            with requests.Session() as http:
                message = FlaskMessageLaunch(
                    FlaskRequest(), self.tool_conf(), requests_session=http
                )
                try:
                    claims = message.get_launch_data()
                except LtiException as exc:
                    return flask.jsonify({"error": str(exc)}), 403
                # pylti1p3 leaves one-time use of the nonce to the tool.
                if claims["nonce"] in self.used_nonces:
                    return flask.jsonify({"error": "nonce replayed"}), 403
                self.used_nonces.add(claims["nonce"])
                if message.is_deep_link_launch():
                    return deep_link_response(message, claims)
                return flask.jsonify(act(message, claims))

        def deep_link_response(message, claims):
            custom = claims.get("https://purl.imsglobal.org/spec/lti/claim/custom", {})
            lineitem = (
                LineItem()
                .set_label("Water policy quiz")
                .set_score_maximum(custom.get("score_maximum", 10))
                .set_tag("quiz")
                .set_resource_id("quiz-7")
            )
            resource = (
                DeepLinkResource()
                .set_url(flask.request.url_root + "lti/launch")
                .set_title("Water policy quiz")
                .set_custom_params({"quiz_id": "7"})
                .set_lineitem(lineitem)
            )
            return message.get_deep_link().output_response_form([resource])

        def act(message, claims):
            custom = claims.get("https://purl.imsglobal.org/spec/lti/claim/custom", {})
            answer = {"claims": claims}
            if custom.get("action") == "score":
                ags = message.get_ags()
                lineitem = None
                endpoint = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
                if "lineitem" not in endpoint:
                    link = claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"]
                    lineitem = (
                        LineItem()
                        .set_label("Practice")
                        .set_score_maximum(10)
                        .set_tag("practice")
                        .set_resource_link_id(link)
                    )
                grade = (
                    Grade()
                    .set_score_given(custom["score"])
                    .set_score_maximum(custom.get("maximum", 10))
                    .set_timestamp(datetime.now(UTC).isoformat())
                    .set_activity_progress("Completed")
                    .set_grading_progress("FullyGraded")
                    .set_user_id(claims["sub"])
                )
                answer["score"] = ags.put_grade(grade, lineitem)["body"]
            if custom.get("action") == "members":
                answer["members"] = message.get_nrps().get_members()
            return answer

        return app


@pytest.fixture(scope="module")
def tool():
    tool = StandInTool()
    server = make_server("127.0.0.1", 0, tool.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tool.url = f"http://127.0.0.1:{server.server_port}"
    yield tool
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def platform(tool, tmp_path_factory):
    platform = Platform(tool.url, tmp_path_factory.mktemp("lti-platform")).start()
    tool.platform = platform
    yield platform
    platform.stop()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def claims_of(launched) -> dict:
    assert launched.response.status_code == 200, launched.response.text
    return launched.response.json()["claims"]


def test_resource_launch_reaches_the_tool_with_its_claims(platform, http):
    launched = platform.launch(
        http,
        user="u-ada",
        roles="Instructor",
        name="Ada Lovelace",
        email="ada@example.org",
        link="link-a",
        custom={"unit": "3"},
    )
    claims = claims_of(launched)
    assert claims["iss"] == platform.issuer
    assert claims["aud"] == "quizapp-client"
    assert claims["sub"] == "u-ada"
    assert claims["name"] == "Ada Lovelace"
    assert claims["email"] == "ada@example.org"
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims[lti + "message_type"] == "LtiResourceLinkRequest"
    assert claims[lti + "deployment_id"] == "deployment-1"
    assert claims[lti + "roles"] == [INSTRUCTOR]
    assert claims[lti + "context"]["id"] == "course-1"
    assert claims[lti + "context"]["title"] == "Science Policy"
    assert claims[lti + "resource_link"]["id"] == "link-a"
    assert claims[lti + "custom"] == {"unit": "3"}
    assert claims[lti + "target_link_uri"].endswith("/lti/launch")
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitems"] == f"{platform.url}/ags/course-1/lineitems"
    assert "lineitem" not in ags
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in ags["scope"]
    nrps = claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]
    assert nrps["context_memberships_url"] == f"{platform.url}/nrps/course-1/memberships"
    assert launched.form.claims["nonce"] == claims["nonce"]
    assert launched.form.action == f"{platform.tool_url}/lti/launch"


def test_short_and_full_role_names_and_learner_default(platform, http):
    claims = claims_of(platform.launch(http, user="u-bo"))
    assert claims["https://purl.imsglobal.org/spec/lti/claim/roles"] == [LEARNER]
    with requests.Session() as other:
        roles = [LIS + "Mentor", "ContentDeveloper"]
        claims = claims_of(platform.launch(other, user="u-cy", roles=roles))
    assert claims["https://purl.imsglobal.org/spec/lti/claim/roles"] == [
        LIS + "Mentor",
        LIS + "ContentDeveloper",
    ]


def deep_link(platform, http, context="course-dl", maximum=25):
    """Deep-link one quiz into a context; return the platform's record of it."""
    launched = platform.deep_link_launch(
        http, user="u-prof", context=context, custom={"score_maximum": maximum}
    )
    assert launched.response.status_code == 200, launched.response.text
    request = launched.form.claims
    assert request["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingRequest"
    )
    settings = request["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    assert settings["deep_link_return_url"] == f"{platform.url}/deep_link_return/{context}"
    returned = submit(http, launched.response)
    assert returned.status_code == 200, returned.text
    assert "1 item(s) added" in returned.text
    return platform.deep_links()[-1]


def test_deep_linking_response_creates_a_line_item_bound_to_a_new_link(platform, http):
    record = deep_link(platform, http, maximum=25)
    assert record["context"] == "course-dl"
    assert [item["type"] for item in record["items"]] == ["ltiResourceLink"]
    created = record["created"][0]
    lineitem = created["lineitem"]
    assert lineitem["scoreMaximum"] == 25
    assert lineitem["label"] == "Water policy quiz"
    assert lineitem["resourceLinkId"] == created["resource_link_id"]
    lineitem_id = lineitem["id"].rsplit("/", 1)[1]
    assert platform.lineitems()["course-dl"][lineitem_id] == lineitem

    # Launching the new link carries its line item and the content item's custom parameters.
    claims = claims_of(
        platform.launch(http, user="u-stu", context="course-dl", link=created["resource_link_id"])
    )
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitem"] == lineitem["id"]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/custom"] == {"quiz_id": "7"}
    assert claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["title"] == (
        "Water policy quiz"
    )


def test_tool_posts_a_score_through_ags_with_a_token(platform, http):
    link = deep_link(platform, http, context="course-ags", maximum=20)["created"][0]
    before = platform.requests()
    launched = platform.launch(
        http,
        user="u-stu",
        context="course-ags",
        link=link["resource_link_id"],
        custom={"action": "score", "score": 17, "maximum": 20},
    )
    assert launched.response.status_code == 200, launched.response.text
    posted = platform.scores()[-1]
    assert posted["lineitem"] == link["lineitem"]["id"]
    assert posted["context"] == "course-ags"
    assert posted["score"]["userId"] == "u-stu"
    assert posted["score"]["scoreGiven"] == 17
    assert posted["score"]["scoreMaximum"] == 20
    assert posted["score"]["gradingProgress"] == "FullyGraded"
    after = platform.requests()
    assert after["token"] == before.get("token", 0) + 1
    assert after["ags.scores"] == before.get("ags.scores", 0) + 1


def test_tool_creates_a_line_item_for_a_plain_link_then_scores_it(platform, http):
    launched = platform.launch(
        http,
        user="u-dee",
        context="course-plain",
        link="plain-1",
        custom={"action": "score", "score": 4},
    )
    assert launched.response.status_code == 200, launched.response.text
    (lineitem,) = platform.lineitems()["course-plain"].values()
    assert lineitem["resourceLinkId"] == "plain-1"
    assert lineitem["tag"] == "practice"
    assert platform.scores()[-1]["lineitem"] == lineitem["id"]
    # From now on the link's launches name its line item.
    claims = claims_of(platform.launch(http, user="u-dee", context="course-plain", link="plain-1"))
    assert (
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
        == (lineitem["id"])
    )


def test_nrps_returns_the_members_set(platform, http):
    roster = [
        {"user_id": "u-1", "name": "One", "email": "one@example.org", "roles": ["Learner"]},
        {"user_id": "u-2", "name": "Two", "email": "two@example.org", "roles": ["Instructor"]},
    ]
    platform.set_members("course-roster", roster)
    launched = platform.launch(
        http, user="u-2", roles="Instructor", context="course-roster", custom={"action": "members"}
    )
    assert launched.response.status_code == 200, launched.response.text
    members = launched.response.json()["members"]
    assert [(m["user_id"], m["roles"], m["status"]) for m in members] == [
        ("u-1", [LEARNER], "Active"),
        ("u-2", [INSTRUCTOR], "Active"),
    ]
    assert members[0]["email"] == "one@example.org"
    assert platform.requests()["nrps"] >= 1


def test_restart_keeps_keys_line_items_and_scores(platform, http):
    link = deep_link(platform, http, context="course-restart")["created"][0]
    scored = {"action": "score", "score": 9, "maximum": 25}
    launch = {"user": "u-eve", "context": "course-restart", "link": link["resource_link_id"]}
    assert platform.launch(http, custom=scored, **launch).response.status_code == 200
    with requests.get(platform.key_set_url) as answer:
        keys = answer.json()
    scores, lineitems, deep_links = platform.scores(), platform.lineitems(), platform.deep_links()
    port = platform.port

    platform.stop()
    with pytest.raises(requests.ConnectionError):
        platform.scores()
    platform.restart()

    assert platform.port == port
    with requests.get(platform.key_set_url) as answer:
        assert answer.json() == keys
    assert platform.scores() == scores
    assert platform.lineitems() == lineitems
    assert platform.deep_links() == deep_links
    with requests.Session() as again:
        assert platform.launch(again, custom=scored, **launch).response.status_code == 200
    assert platform.scores()[-1]["lineitem"] == link["lineitem"]["id"]
    assert len(platform.scores()) == len(scores) + 1


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ("signature", "Can't decode id_token: Signature verification failed"),
        ("audience", "Client id not registered for this issuer"),
        ("expired", "Can't decode id_token: Signature has expired"),
        ("deployment", "Unable to find deployment"),
    ],
)
def test_each_tampered_launch_fails_pylti1p3_validation(platform, http, tamper, error):
    launched = platform.launch(http, user="u-mal", tamper=tamper)
    assert launched.form is not None
    assert launched.response.status_code == 403
    assert launched.response.json()["error"] == error


def test_replay_posts_the_same_id_token_again(platform, http):
    launched = platform.launch(http, user="u-rep")
    assert launched.response.status_code == 200
    again = replay(http, launched.form)
    assert again.status_code == 403
    assert again.json()["error"] == "nonce replayed"


def test_token_endpoint_fetches_the_tools_keys_each_time(platform, tool, http):
    tool.rotate_key()
    launched = platform.launch(
        http, user="u-rot", context="course-rot", custom={"action": "score", "score": 1}
    )
    assert launched.response.status_code == 200, launched.response.text
    assert platform.scores()[-1]["score"]["userId"] == "u-rot"


def test_errors_answer_json_with_a_status(platform, tool, http):
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": "not.a.jwt",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    }
    with http.post(platform.auth_token_url, data=form) as answer:
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
    with http.post(platform.auth_token_url, data={**form, "grant_type": "password"}) as answer:
        assert answer.status_code in (400, 401)
        assert "error" in answer.json()
    with http.get(f"{platform.url}/ags/course-1/lineitems") as answer:
        assert answer.status_code == 401
        assert answer.json() == {"error": "Missing LTI 1.3 authentication token"}
    headers = {"Authorization": "Bearer forged"}
    with http.get(f"{platform.url}/ags/course-1/lineitems", headers=headers) as answer:
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_token"
    with http.get(f"{platform.url}/authorize", params={"lti_message_hint": "nope"}) as answer:
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_request"
    with http.get(f"{platform.url}/start", params={"user": "x", "tamper": "nope"}) as answer:
        assert answer.status_code == 400
    with http.get(f"{platform.url}/no/such/page") as answer:
        assert answer.status_code == 404
        assert answer.json()["error"] == "Not Found"
    assert "Traceback" not in platform.log()


def service_token(platform, tool, scopes: str) -> str:
    """Return an access token from /token for the stand-in tool's signed client assertion."""
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_token_url,
            "iat": now,
            "exp": now + 60,
            "jti": f"jti-{now}",
        },
        tool.private_key,
        algorithm="RS256",
        headers={"kid": Registration.get_jwk(tool.public_key)["kid"]},
    )
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": scopes,
    }
    with requests.post(platform.auth_token_url, data=form) as answer:
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]


def test_line_item_crud_results_and_paging(platform, tool, http):
    scopes = " ".join(
        "https://purl.imsglobal.org/spec/lti-ags/scope/" + scope
        for scope in ("lineitem", "result.readonly", "score")
    )
    http.headers["Authorization"] = "Bearer " + service_token(platform, tool, scopes)
    container = f"{platform.url}/ags/course-crud/lineitems"
    made = []
    for n in range(3):
        item = {"label": f"Quiz {n}", "scoreMaximum": 10 + n, "tag": "crud"}
        with http.post(container, json=item) as answer:
            assert answer.status_code == 201, answer.text
            made.append(answer.json())
    with http.get(container, params={"limit": 2}) as answer:
        assert [item["label"] for item in answer.json()] == ["Quiz 0", "Quiz 1"]
        assert answer.links["next"]["url"].startswith(container)
        assert 'rel="next"' in answer.headers["Link"]
    with http.get(answer.links["next"]["url"]) as answer:
        assert [item["label"] for item in answer.json()] == ["Quiz 2"]
        assert "Link" not in answer.headers
    first = made[0]["id"]
    with http.put(first, json={"label": "Renamed", "scoreMaximum": 5}) as answer:
        assert answer.status_code == 200
        assert answer.json()["label"] == "Renamed"
    with http.get(first) as answer:
        assert answer.json() == {**made[0], "label": "Renamed", "scoreMaximum": 5}
    score = {
        "userId": "u-r",
        "scoreGiven": 4,
        "scoreMaximum": 5,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": datetime.now(UTC).isoformat(),
    }
    headers = {"Content-Type": "application/vnd.ims.lis.v1.score+json"}
    with http.post(first + "/scores", data=json.dumps(score), headers=headers) as answer:
        assert answer.status_code == 200
    with http.post(first + "/scores", json={"userId": "u-r"}) as answer:
        assert answer.status_code == 400
        assert "activityProgress" in answer.json()["error"]
    with http.get(first + "/results") as answer:
        (result,) = answer.json()
        assert (result["userId"], result["resultScore"], result["scoreOf"]) == ("u-r", 4, first)
    with http.delete(made[2]["id"]) as answer:
        assert answer.status_code == 204
    with http.get(made[2]["id"]) as answer:
        assert answer.status_code == 404
    assert sorted(platform.lineitems()["course-crud"]) == sorted(
        item["id"].rsplit("/", 1)[1] for item in made[:2]
    )


def test_lti_platform_fixture_sends_launches_to_the_live_tool(lti_platform, live_server):
    url = lti_platform.start_url(user="u-live", roles=["Learner"], link="link-live")
    with requests.get(url, allow_redirects=False) as answer:
        assert answer.status_code == 302
        login, _, query = answer.headers["Location"].partition("?")
    assert login == f"{live_server}/lti/login"
    params = dict(parse_qsl(query))
    assert params["iss"] == lti_platform.issuer
    assert params["client_id"] == "quizapp-client"
    assert params["lti_deployment_id"] == "deployment-1"
    assert params["login_hint"] == "u-live"
    assert params["target_link_uri"] == f"{live_server}/lti/launch"
    assert params["lti_message_hint"]
