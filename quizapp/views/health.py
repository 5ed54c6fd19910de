"""For load balancers and monitors: is this app process able to serve?"""

from flask import Blueprint, Response, current_app

from quizapp.db.readiness import database_answers
from quizapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Answer 200 when this process reaches its database, 503 when it does not."""
    if database_answers(db.engine):
        return _plain("ok\n", 200)
    current_app.logger.warning("health check: the database does not answer")
    return _plain("the database does not answer\n", 503)


def _plain(text: str, status: int) -> Response:
    # Never cached: a monitor must see the state now, not a proxy's copy.
    return Response(text, status, mimetype="text/plain", headers={"Cache-Control": "no-store"})
