"""Administrators' pages: LMS platforms registered for LTI 1.3, the tool's keys and settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from quizapp.extensions import db
from quizapp.lti import configuration, platforms
from quizapp.lti.platforms import Invalid
from quizapp.models import LtiPlatform
from quizapp.web.guards import no_store, requires
from quizapp.web.platform_forms import DeploymentForm, PlatformForm, add_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = requires("is_admin", "This page is for administrators.")
bp.after_request(no_store)


def tool_urls() -> configuration.ToolUrls:
    """Return the tool's addresses as this request reaches the site (proxy headers included)."""
    return configuration.tool_urls(url_for("reader.index", _external=True))


def _platform_or_404(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        abort(404, description="No platform is registered with that number.")
    return platform


@bp.get("/")
@admin_required
def home():
    """The administrators' start page: LTI is all there is to administer for now."""
    return redirect(url_for(".lti"))


@bp.route("/lti", methods=["GET", "POST"])
@admin_required
def lti():
    """List the registered platforms, register another, show what to paste into an LMS."""
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            made = platforms.add_platform(form.settings())
        except Invalid as exc:  # registered already: found inside the unit of work
            add_errors(form, exc.errors)
        else:
            flash(f"{made.name} is registered: launches from it are accepted now.", "success")
            return redirect(url_for(".platform", platform_id=made.id), 303)
    urls = tool_urls()
    return render_template(
        "admin/lti.html",
        form=form,
        platforms=platforms.platforms(),
        keys=platforms.tool_keys(),
        urls=urls,
        canvas=configuration.canvas_configuration(urls),
    ), (400 if form.errors else 200)


@bp.route("/lti/platforms/<int:platform_id>", methods=["GET", "POST"])
@admin_required
def platform(platform_id: int):
    """One platform's registration, with a form accepting another deployment of it."""
    found = _platform_or_404(platform_id)
    form = DeploymentForm()
    if form.validate_on_submit():
        deployment_id = (form.deployment_id.data or "").strip()
        if platforms.add_deployment(found.id, deployment_id):
            flash(f"Launches from deployment {deployment_id} are accepted now.", "success")
        else:
            flash(f"Deployment {deployment_id} was accepted already.", "info")
        return redirect(url_for(".platform", platform_id=found.id), 303)
    courses = [c for c in platforms.courses() if c.platform_id == found.id]
    return render_template(
        "admin/platform.html",
        platform=found,
        form=form,
        usage=platforms.usage(found.id),
        courses=courses,
    ), (400 if form.errors else 200)


@bp.route("/lti/platforms/<int:platform_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_platform(platform_id: int):
    """Ask first; then forget the platform and what its launches mapped."""
    found = _platform_or_404(platform_id)
    if request.method == "GET":
        return render_template(
            "admin/remove_platform.html", platform=found, usage=platforms.usage(found.id)
        )
    name = found.name
    gone = platforms.remove_platform(found.id)
    flash(f"{name} is removed; quizapp forgot {gone}.", "success")
    return redirect(url_for(".lti"), 303)


@bp.route("/lti/keys/rotate", methods=["GET", "POST"])
@admin_required
def rotate_key():
    """Ask first; then make a new signing key (the old one stays published)."""
    if request.method == "GET":
        return render_template("admin/rotate_key.html", keys=platforms.tool_keys())
    key = platforms.rotate_key()
    flash(f"The tool signs with a new key ({key.kid}) from now on.", "success")
    return redirect(url_for(".lti", _anchor="keys"), 303)


@bp.route("/lti/keys/drop", methods=["GET", "POST"])
@admin_required
def drop_old_keys():
    """Ask first; then stop publishing keys retired more than an hour ago."""
    hours = int(platforms.KEEP_RETIRED.total_seconds() // 3600)
    if request.method == "GET":
        return render_template("admin/drop_keys.html", keys=platforms.tool_keys(), hours=hours)
    dropped = platforms.drop_old_keys()
    if dropped:
        flash(f"{dropped} old key{'' if dropped == 1 else 's'} no longer published.", "success")
    else:
        flash(f"No key was retired more than {hours} hour{'' if hours == 1 else 's'} ago.", "info")
    return redirect(url_for(".lti", _anchor="keys"), 303)
