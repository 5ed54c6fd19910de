"""The tool's keys: made once, rotated with the old key still published, then dropped."""

import jwt
from pylti1p3.registration import Registration

from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import keys, platforms


def _settings(**changes):
    values = dict(
        name="Moodle",
        issuer="https://moodle.example.edu",
        client_id="abc123",
        auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
        auth_token_url="https://moodle.example.edu/mod/lti/token.php",
        key_set_url="https://moodle.example.edu/mod/lti/certs.php",
        deployment_ids=["1"],
    )
    values.update(changes)
    return platforms.PlatformSettings(**values)


def test_registering_a_platform_makes_one_key_and_the_jwks_publishes_it(app, client):
    assert client.get("/lti/jwks").get_json() == {"keys": []}
    with app.app_context():
        platforms.add_platform(_settings())
        platforms.add_platform(_settings(client_id="second"))
        key = keys.signing_key(db.session)
    published = client.get("/lti/jwks").get_json()["keys"]
    assert [k["kid"] for k in published] == [key.kid]
    # The kid is the one pylti1p3 writes into the headers it signs with this key.
    assert Registration.get_jwk(key.public_pem)["kid"] == key.kid
    assert published[0]["alg"] == "RS256" and "d" not in published[0]


def test_a_rotation_signs_with_the_new_key_and_publishes_both_until_the_old_is_dropped(app, client):
    with app.app_context():
        platforms.add_platform(_settings())
        old = keys.signing_key(db.session)
        token = jwt.encode({"sub": "x"}, old.private_pem, "RS256", headers={"kid": old.kid})
        with unit_of_work() as session:
            new = keys.rotate(session)
        assert keys.signing_key(db.session).kid == new.kid != old.kid
    published = {k["kid"]: k for k in client.get("/lti/jwks").get_json()["keys"]}
    assert set(published) == {old.kid, new.kid}
    # What the old key signed just before the rotation still verifies from the JWKS.
    public = jwt.PyJWK(published[old.kid]).key
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"sub": "x"}
    with app.app_context(), unit_of_work() as session:
        assert keys.drop_retired(session) == 1
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [new.kid]


def test_platform_settings_are_checked_field_by_field(app):
    errors = platforms.check(
        _settings(name=" ", issuer="moodle", client_id="", key_set_url="ftp://x", deployment_ids=[])
    )
    assert set(errors) == {"name", "issuer", "client_id", "key_set_url", "deployment_ids"}
    with app.app_context():
        platforms.add_platform(_settings())
        try:
            platforms.add_platform(_settings(deployment_ids=["2"]))
        except platforms.Invalid as exc:
            assert "registered already" in exc.errors["client_id"][0]
        else:
            raise AssertionError("a second registration of one issuer and client was accepted")
