"""axe on the administrators' LTI pages, light and dark, desktop and phone: no serious issues,
with a platform listed and with the registration form's errors showing."""

import pytest

from quizapp.lti import platforms
from tests.browser.forms import log_in
from tests.browser.test_a11y import problems
from tests.conftest import VIEWPORTS
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_the_admin_lti_pages_have_no_serious_accessibility_issue(
    app, live_server, browser, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("page markup: checked on SQLite only")
    make_user(app, "root", role="admin")
    with app.app_context():
        made = platforms.add_platform(
            platforms.PlatformSettings(
                name="Moodle",
                issuer="https://moodle.example.edu",
                client_id="abc123",
                auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
                auth_token_url="https://moodle.example.edu/mod/lti/token.php",
                key_set_url="https://moodle.example.edu/mod/lti/certs.php",
                deployment_ids=["1"],
            )
        )
    urls = {
        "platforms": f"{live_server}/admin/lti",
        "one platform": f"{live_server}/admin/lti/platforms/{made.id}",
        "remove": f"{live_server}/admin/lti/platforms/{made.id}/remove",
        "rotate": f"{live_server}/admin/lti/keys/rotate",
    }
    found = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        log_in(page, live_server, "root")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            for name, url in urls.items():
                page.goto(url)
                if issues := problems(page):
                    found[f"{name} [{scheme}, {size}]"] = issues
            # The form refused: errors beside their fields and the summary above.
            page.goto(urls["platforms"])
            page.get_by_label("Issuer (Platform ID)").fill("not a url")
            page.get_by_role("button", name="Register the platform").click()
            assert page.locator("p.error").count() >= 5
            if issues := problems(page):
                found[f"form errors [{scheme}, {size}]"] = issues
        context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
