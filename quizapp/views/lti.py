"""LTI 1.3 endpoints an LMS calls: the tool's keys, login initiation and launches."""

from flask import Blueprint, jsonify

from quizapp.extensions import db
from quizapp.lti import keys

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.get("/jwks")
def jwks():
    """The tool's public keys, which platforms fetch to check what quizapp signs."""
    response = jsonify(keys.jwks(db.session))
    response.cache_control.public = True
    response.cache_control.max_age = 300  # a rotation shows within five minutes
    return response
