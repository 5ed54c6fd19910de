"""The tool's configuration for an LMS to read: the JSON a Canvas developer key is made from.

Its routes join the ``lti`` blueprint (views.lti); create_app imports this module before the
blueprint is registered.
"""

from flask import jsonify, url_for

from quizapp.lti import configuration
from quizapp.views.lti import bp


@bp.get("/config/canvas.json")
def canvas_json():
    """The Canvas LTI key configuration, with quizapp's addresses as the request reached it."""
    urls = configuration.tool_urls(url_for("reader.index", _external=True))
    response = jsonify(configuration.canvas_configuration(urls))
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
