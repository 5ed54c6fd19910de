"""axe-core on every kind of page, at desktop and phone width: no serious or critical issues."""

import io
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.forms import log_in, register
from tests.browser.test_instructor_tables import demo_class  # noqa: F401 - fixture
from tests.conftest import VIEWPORTS, screenshot
from tests.factories import make_user
from tests.quizhelp import current_view

pytestmark = pytest.mark.browser
SAMPLE = (Path(__file__).parents[1] / "data/banks/sample-big-science.yaml").read_text("utf-8")
CUT_BANK = SAMPLE[: SAMPLE.index("  - id: sample-jinping-depth")].encode()  # retires two
AXE = Axe()
SERIOUS = {"serious", "critical"}


def problems(page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in SERIOUS
    ]


def student_pages(app, page, base) -> dict[str, str]:
    """Take the sample quizzes as a student; return a URL for every page kind and question type."""
    urls = {"quiz list": f"{base}/quizzes"}
    start = page.get_by_role("button", name=re.compile(r"^Start"))
    while page.goto(urls["quiz list"]) and start.count():
        start.first.click()
        while "/q/" in page.url:
            view = current_view(app, page.url)
            urls.setdefault(f"question ({view.type})", page.url)
            if view.type in ("numeric", "short_text"):
                page.locator("input[name=answer]").fill("12")
            else:
                page.locator("input[name=answer]").first.check()
            page.get_by_role("button", name="Submit answer").click()
            page.wait_for_url(re.compile(r"/feedback$"))
            urls.setdefault("feedback", page.url)
            feedback_url = page.url
            page.get_by_role(
                "link", name=re.compile("Next question|See your results")
            ).first.click()
            page.wait_for_url(lambda url, left=feedback_url: url != left)
        urls.setdefault("results", page.url)
    urls["dashboard"] = f"{base}/progress"
    urls["review"] = f"{base}/review"
    urls["reader"] = f"{base}/read/big-science"
    urls["home"] = f"{base}/"
    urls["not found"] = f"{base}/no/such/page"
    return urls


def markup_on_sqlite_only(database_url: str) -> None:
    """axe judges markup, which both backends render alike (every page is also fetched on
    PostgreSQL by the access matrix and the flows); one backend halves a minute-long test."""
    if not database_url.startswith("sqlite"):
        pytest.skip("page markup: checked on SQLite only")


def test_every_page_kind_has_no_serious_accessibility_issue(
    app, live_server, browser, database_url
):
    markup_on_sqlite_only(database_url)
    make_user(app, "axe-prof", "instructor")
    context = browser.new_context()
    student = context.new_page()
    register(student, live_server, "axe-student")

    teacher = browser.new_context().new_page()
    log_in(teacher, live_server, "axe-prof")
    teacher.goto(f"{live_server}/teach/")
    teacher.get_by_label("Class name").fill("Axe class")
    teacher.get_by_role("button", name="Create class").click()
    code = teacher.locator("code").first.inner_text()  # on the class page, once it shows
    class_url = teacher.url
    student.goto(f"{live_server}/classes/join")
    student.get_by_label("Join code").fill(code)
    student.get_by_role("button", name="Join").click()
    leave = student.get_by_role("link", name="Leave Axe class").get_attribute("href")

    pages = {
        f"student: {k}": (student, v) for k, v in student_pages(app, student, live_server).items()
    }
    pages["student: classes"] = (student, f"{live_server}/classes/join")
    pages["student: leave a class?"] = (student, live_server + leave)
    teacher.goto(class_url)
    drill = teacher.get_by_role("link", name="axe-student").get_attribute("href")
    pages.update(
        {
            "instructor: home": (teacher, f"{live_server}/teach/"),
            "instructor: gradebook": (teacher, class_url),
            "instructor: drill-down": (teacher, live_server + drill),
            "instructor: remove a student?": (teacher, live_server + drill + "/remove"),
            "instructor: item analysis": (
                teacher,
                f"{live_server}/teach/items?course=" + class_url.rsplit("/", 1)[1],
            ),
            "instructor: heatmap": (teacher, class_url + "/heatmap"),
            "instructor: class settings": (teacher, class_url + "/settings"),
            "instructor: delete a class?": (teacher, class_url + "/delete"),
            "instructor: banks": (teacher, f"{live_server}/teach/banks"),
        }
    )
    anonymous = browser.new_context().new_page()
    pages["login"] = (anonymous, f"{live_server}/auth/login")
    pages["register"] = (anonymous, f"{live_server}/auth/register")

    found, checked = {}, []
    for viewport_name, viewport in VIEWPORTS.items():
        for name, (page, url) in pages.items():
            page.set_viewport_size(viewport)
            page.goto(url)
            checked.append(f"{name} [{viewport_name}]")
            if issues := problems(page):
                found[f"{name} [{viewport_name}]"] = issues
        # Forms showing their errors
        anonymous.goto(f"{live_server}/auth/register")
        anonymous.get_by_role("button", name="Create account").click()
        checked.append(f"register with errors [{viewport_name}]")
        if issues := problems(anonymous):
            found[f"register with errors [{viewport_name}]"] = issues
        teacher.goto(f"{live_server}/teach/banks")
        teacher.set_input_files(
            "input[type=file]",
            files=[
                {
                    "name": "bad.yaml",
                    "mimeType": "application/x-yaml",
                    "buffer": io.BytesIO(b"bank: Bad Id\ntitle: x\nquestions: 3\n").getvalue(),
                }
            ],
        )
        teacher.get_by_role("button", name="Check and load").click()
        checked.append(f"bank upload with errors [{viewport_name}]")
        if issues := problems(teacher):
            found[f"bank upload with errors [{viewport_name}]"] = issues
        # An upload that would retire questions asks first (the page a POST shows)
        teacher.goto(f"{live_server}/teach/banks")
        teacher.set_input_files(
            "input[type=file]",
            files=[{"name": "cut.yaml", "mimeType": "application/x-yaml", "buffer": CUT_BANK}],
        )
        teacher.get_by_role("button", name="Check and load").click()
        teacher.get_by_role("button", name="Load it").wait_for()
        checked.append(f"bank upload to confirm [{viewport_name}]")
        if issues := problems(teacher):
            found[f"bank upload to confirm [{viewport_name}]"] = issues
        # A password link (the page a POST shows), then the page it opens
        teacher.goto(live_server + drill)
        teacher.get_by_role("button", name="Make a password link").click()
        link = teacher.locator("code.reset-link").inner_text()
        anonymous.goto(link)
        for name, page in (("password link", teacher), ("choose a new password", anonymous)):
            checked.append(f"{name} [{viewport_name}]")
            if issues := problems(page):
                found[f"{name} [{viewport_name}]"] = issues
    print(f"\naxe checked {len(checked)} pages:\n  " + "\n  ".join(checked))
    kinds = {name for name in pages if name.startswith("student: question")}
    assert len(kinds) >= 4, kinds  # the question types the sample banks use
    for ctx in {p.context for p, _ in pages.values()}:
        ctx.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_instructor_pages_with_a_class_of_60_have_no_accessibility_issue_light_or_dark(
    app,
    live_server,
    browser,
    demo_class,  # noqa: F811
):
    """axe on every instructor page as issue 29 left it: wide sticky tables, the bank filter,
    keyed choices and typed answers, the marked words of an upload error; both colour schemes."""
    from quizapp.teaching.demo import DEMO_INSTRUCTOR, DEMO_PASSWORD

    with app.app_context():
        from sqlalchemy import select

        from quizapp.extensions import db
        from quizapp.models import User

        student_id = db.session.scalar(select(User.id).where(User.username == "demo1-0001"))
    base, klass = live_server, f"{live_server}/teach/classes/{demo_class}"
    bank = (Path(__file__).parents[2] / "questions" / "big-science.yaml").read_text("utf-8")
    quote = re.search(r'quote: "([^"]+)"', bank)[1]
    wrong = bank.replace(quote, quote.replace(" ", "ish ", 1), 1).encode()
    urls = {
        "home": f"{base}/teach/",
        "gradebook, sorted": f"{klass}?sort=completed&dir=desc",
        "student": f"{klass}/students/{student_id}",
        "item analysis": f"{base}/teach/items?course={demo_class}",
        "item analysis, typed answers": f"{base}/teach/items?course={demo_class}&bank=cross",
        "item analysis, all students": f"{base}/teach/items?bank=us-china",
        "heatmap": f"{klass}/heatmap",
        "settings": f"{klass}/settings",
        "banks": f"{base}/teach/banks",
    }
    # axe takes 5-10 s on a table of 50 rows: at phone width, the pages whose layout changes
    phone = {"gradebook, sorted", "item analysis, typed answers"}
    found, checked = {}, 0
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{base}/auth/login")
        page.get_by_label("Username").fill(DEMO_INSTRUCTOR)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name=DEMO_INSTRUCTOR).wait_for()
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            for name, url in urls.items():
                if size == "phone" and name not in phone:
                    continue
                page.goto(url)
                checked += 1
                if issues := problems(page):
                    found[f"{name} [{scheme}, {size}]"] = issues
            page.goto(f"{base}/teach/banks")
            page.set_input_files(
                "input[type=file]",
                files=[{"name": "big.yaml", "mimeType": "application/x-yaml", "buffer": wrong}],
            )
            page.get_by_role("button", name="Check and load").click()
            page.locator(".quote-diff del").first.wait_for()
            checked += 1
            if issues := problems(page):
                found[f"upload errors [{scheme}, {size}]"] = issues
        context.close()
    assert checked == 2 * (len(urls) + len(phone) + 2)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_assignment_pages_have_no_serious_accessibility_issue(
    app, live_server, browser, database_url
):
    """axe on every assignment page of an instructor (issue 27), with and without errors shown,
    at desktop and phone width and in the dark scheme."""
    markup_on_sqlite_only(database_url)
    from tests.conftest import Auth
    from tests.factories import create_class, join
    from tests.teaching.test_assignment_pages import _create, _start, _user_id

    make_user(app, "axe-setter", "instructor")
    setup = app.test_client()
    Auth(setup).login("axe-setter")
    course_id, code = create_class(setup, "Axe class")
    join(app, "axe-ana", code, "Ana Lima")
    # Open now, whatever today is; a student has started it, so its pool is locked
    started = _create(setup, course_id, opens_at="", closes_at="", feedback="after_attempt")
    _start(app, started, "axe-ana")
    ana = _user_id(app, "axe-ana")
    klass = f"{live_server}/teach/classes/{course_id}"
    one = f"{klass}/assignments/{started}"
    urls = {
        "assignments": f"{klass}/assignments",
        "new assignment": f"{klass}/assignments/new",
        "assignment": one,
        "edit, started": f"{one}/edit",
        "duplicate": f"{one}/duplicate",
        "delete?": f"{one}/delete",
        "accommodations": f"{one}/overrides",
        "accommodation": f"{one}/overrides/{ana}",
        "settings, time zone": f"{klass}/settings",
    }
    found, checked = {}, []

    def scan(name: str) -> None:
        checked.append(name)
        if issues := problems(page):
            found[name] = issues

    for scheme, viewports in (("light", VIEWPORTS), ("dark", {"desktop": VIEWPORTS["desktop"]})):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        log_in(page, live_server, "axe-setter")
        for size, viewport in viewports.items():
            page.set_viewport_size(viewport)
            for name, url in urls.items():
                page.goto(url)
                scan(f"{name} [{scheme}, {size}]")
                screenshot(page, f"assignments-{name}-{scheme}-{size}".replace(" ", "-"))
            # Forms showing their errors (no title, no questions; a factor out of range)
            page.goto(urls["new assignment"])
            page.get_by_role("button", name="Set the assignment").click()
            page.locator(".error-summary").wait_for()
            scan(f"new assignment with errors [{scheme}, {size}]")
            screenshot(page, f"assignments-new-with-errors-{scheme}-{size}")
            page.goto(urls["accommodation"])
            page.get_by_label("Time factor").fill("9")
            page.get_by_role("button", name="Save").click()
            page.locator(".error-summary").wait_for()
            scan(f"accommodation with errors [{scheme}, {size}]")
        context.close()
    print(f"\naxe checked {len(checked)} assignment pages")
    assert len(checked) == 3 * (len(urls) + 2)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def everything(page) -> list[str]:
    """Every axe violation on the page, whatever its impact."""
    violations = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]


def test_student_pages_have_no_accessibility_violation_in_light_or_dark(
    app, live_server, browser, monkeypatch, database_url
):
    markup_on_sqlite_only(database_url)
    from datetime import timedelta

    from quizapp import clock

    student = browser.new_context().new_page()
    register(student, live_server, "axe-dark")
    urls = student_pages(app, student, live_server)
    student.goto(urls["feedback"])
    urls["reader, with the way back"] = live_server + student.locator(
        "figure.excerpt a"
    ).first.get_attribute("href")
    # Two days on, reviews are due: the review question and its feedback
    later = clock.now() + timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    student.goto(f"{live_server}/review")
    urls["review, with due questions"] = student.url
    student.get_by_role("link", name="Start reviewing").click()
    urls["review question"] = student.url
    field = student.locator("input[name=answer]").first
    if field.get_attribute("type") in ("radio", "checkbox"):
        field.check()
    else:
        field.fill("12")
    student.get_by_role("button", name="Submit answer").click()
    student.wait_for_url(re.compile(r"/review/\d+$"))
    urls["review feedback"] = student.url

    found, checked = {}, 0
    for scheme in ("light", "dark"):
        for size_name, size in VIEWPORTS.items():
            context = browser.new_context(viewport=size, color_scheme=scheme)
            context.add_cookies(student.context.cookies())
            page = context.new_page()
            for name, url in urls.items():
                page.goto(url)
                checked += 1
                if issues := everything(page):
                    found[f"{name} [{scheme}, {size_name}]"] = issues
            # The daily limit refused, beside its field
            page.goto(f"{live_server}/review")
            page.get_by_label("Reviews a day").fill("0")
            page.get_by_role("button", name="Save").click()
            expect(page.locator("#daily_reviews-error")).to_be_visible()
            if issues := everything(page):
                found[f"review limit refused [{scheme}, {size_name}]"] = issues
            if size_name == "phone":  # the header's menu, open
                page.goto(urls["quiz list"])
                page.get_by_text("Menu", exact=True).click()
                if issues := everything(page):
                    found[f"menu open [{scheme}, {size_name}]"] = issues
            context.close()
    student.context.close()
    assert checked >= 4 * 12
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
