"""A student driving a real server over HTTP with requests (cookies, CSRF, redirects)."""

import html as htmlmod
import re

import requests

from tests.conftest import Auth, csrf_from
from tests.quizhelp import answer_values, current_view

SHOWN = re.compile(r'name="shown" type="hidden" value="([^"]*)"')


class Student:
    def __init__(self, base_url: str, username: str):
        self.base = base_url
        self.username = username
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def register(self) -> "Student":
        page = self.http.get(self.url("/auth/register")).text
        data = {
            "username": self.username,
            "password": Auth.PASSWORD,
            "confirm": Auth.PASSWORD,
            "csrf_token": csrf_from(page),
        }
        response = self.http.post(self.url("/auth/register"), data=data, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        return self

    def start(self, bank_id: str) -> str:
        """Start or resume a quiz; return the path of the question it lands on."""
        token = csrf_from(self.http.get(self.url("/quizzes")).text)
        response = self.http.post(self.url(f"/quizzes/{bank_id}/start"), data={"csrf_token": token})
        assert response.status_code == 200, response.status_code
        return response.url.replace(self.base, "")

    def answer_form(self, app, path: str, correct: bool = True) -> dict:
        """Return the form data that answers the question at ``path``."""
        page = self.http.get(self.url(path)).text
        view = current_view(app, path)
        return {
            "csrf_token": csrf_from(page),
            "shown": SHOWN.search(page).group(1),
            "answer": answer_values(app, page, view, correct),
        }

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.http.post(
            self.url(path), data=data, allow_redirects=False, timeout=30, **kwargs
        )

    def next_question(self, feedback_location: str) -> str | None:
        """Follow a feedback page to the next question's path (None at the end)."""
        page = self.http.get(self.url(feedback_location)).text
        link = htmlmod.unescape(re.search(r'class="btn" href="([^"]+)"', page).group(1))
        return link if "/q/" in link else None
