"""axe on the instructor pages that show assignments: the gradebook's two tables, the student's
attempts apart from practice, and the item analysis and heatmap filtered by assignment."""

import pytest

from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.teaching import classes
from tests.browser.forms import log_in
from tests.browser.test_a11y import problems
from tests.conftest import VIEWPORTS, Auth
from tests.teaching.test_assignment_grades import _set, practise, take

pytestmark = pytest.mark.browser


def test_pages_with_assignments_have_no_serious_accessibility_issue(
    app, live_server, browser, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("page markup: checked on SQLite only")
    with app.test_request_context():
        teacher = create_user("prof", Auth.PASSWORD, role="instructor")
        db.session.commit()
        course = classes.create_course(teacher.id, "Policy 101")
        ids = []
        for name in ("ana", "ben", "cal"):
            user = create_user(name, Auth.PASSWORD, full_name=f"{name.title()} Student")
            db.session.commit()
            classes.join_course(user.id, course.join_code)
            ids.append(user.id)
        course_id = course.id
    weeks = [_set(app, course_id, title=f"Week {n}", opens_at=None, closes_at=None) for n in (1, 2)]
    take(app, weeks[0], ids[0], 3)
    take(app, weeks[1], ids[1], 1)
    practise(app, ids[2], 2)
    klass = f"{live_server}/teach/classes/{course_id}"
    urls = {
        "gradebook, sorted by an assignment": f"{klass}?sort=a{weeks[0]}&dir=desc",
        "student": f"{klass}/students/{ids[0]}",
        "item analysis of an assignment": f"{live_server}/teach/items?course={course_id}"
        f"&assignment={weeks[0]}",
        "heatmap of an assignment": f"{klass}/heatmap?doc=big-science&assignment={weeks[0]}",
    }
    found = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        log_in(page, live_server, "prof")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            for name, url in urls.items():
                page.goto(url)
                if issues := problems(page):
                    found[f"{name} [{scheme}, {size}]"] = issues
        context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
