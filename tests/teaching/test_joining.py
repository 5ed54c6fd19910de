"""Joining, leaving, removing and deleting: what each click says, clicked once or twice."""

import re

from tests.conftest import Auth, csrf_from
from tests.factories import create_class, join, make_user


def test_joining_a_class_again_says_so(app, teacher):
    _, code = create_class(teacher)
    student = join(app, "twice", code)
    assert "You joined Policy 101 (taught by Prof Ada)." in student.get("/classes/join").text
    token = csrf_from(student.get("/classes/join").get_data(as_text=True))
    again = student.post("/classes/join", data={"code": code, "csrf_token": token})
    assert again.status_code == 303
    page = student.get(again.location).get_data(as_text=True)
    assert "You are already in Policy 101 (taught by Prof Ada)." in page
    assert "You joined" not in page
    # Two classes may share a name; the instructor's tells them apart.
    assert 'Policy 101 <span class="meta">(taught by Prof Ada)</span>' in page


def test_a_second_click_on_leave_says_you_are_out_not_404(app, teacher):
    _, code = create_class(teacher)
    student = join(app, "doubleclick", code)
    classes = student.get("/classes/join").get_data(as_text=True)
    url = re.search(r'href="(/classes/\d+/leave)"', classes)[1]
    token = csrf_from(student.get(url).get_data(as_text=True))
    assert student.post(url, data={"csrf_token": token}).status_code == 303
    second = student.post(url, data={"csrf_token": token})
    assert second.status_code == 303
    assert "You are not in that class." in student.get(second.location).get_data(as_text=True)
    assert student.get(url).status_code == 404  # a link to it, though, names nothing


def test_second_clicks_on_remove_and_delete_say_it_is_done_not_404(app, teacher):
    course_id, code = create_class(teacher)
    join(app, "goner", code, "Goner Student")
    book = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    user_id = re.search(r'/students/(\d+)">Goner Student<', book)[1]
    remove = f"/teach/classes/{course_id}/students/{user_id}/remove"
    token = csrf_from(teacher.get(remove).get_data(as_text=True))
    assert teacher.post(remove, data={"csrf_token": token}).status_code == 303
    second = teacher.post(remove, data={"csrf_token": token})
    assert second.status_code == 303
    assert "That student is not in this class." in teacher.get(second.location).text
    delete = f"/teach/classes/{course_id}/delete"
    assert teacher.post(delete, data={"csrf_token": token}).status_code == 303
    second = teacher.post(delete, data={"csrf_token": token})
    assert second.status_code == 303
    assert "it may have just been deleted" in teacher.get(second.location).text


def test_deleting_another_instructors_class_changes_nothing_and_says_no_more(app, teacher):
    course_id, _ = create_class(teacher)
    other = app.test_client()
    make_user(app, "prof2", "instructor")
    Auth(other).login("prof2")
    token = csrf_from(other.get("/teach/").get_data(as_text=True))
    for target in (course_id, 99999):  # someone's class, and none: the same answer
        done = other.post(f"/teach/classes/{target}/delete", data={"csrf_token": token})
        assert done.status_code == 303
        assert "You have no class with that number" in other.get(done.location).text
    assert teacher.get(f"/teach/classes/{course_id}").status_code == 200
