"""Locust user for `python -m bench.classload`: a student who logs in and takes quizzes.

Each simulated student logs in through the real form, starts a quiz, then loops: read the
question, think, answer, read the feedback, think, next question; a finished quiz leads to the
next bank. Requests are named by step so the statistics group per step. An answer counts as
acknowledged only when the server replies 303 to its feedback page.
"""

import html
import itertools
import os
import random
import re
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SHOWN = re.compile(r'name="shown"[^>]*value="([^"]*)"')
CHOICE = re.compile(r'type="(?:radio|checkbox)" name="answer" id="[^"]+" value="([^"]+)"')
NEXT = re.compile(r'class="btn" href="(/attempts/\d+/q/\d+)"')
BANKS = os.environ.get("CLASSLOAD_BANKS", "big-science").split(",")
PASSWORD = os.environ.get("CLASSLOAD_PASSWORD", "demo-password-123")
THINK = [float(s) for s in os.environ.get("CLASSLOAD_THINK", "5 15").split()]
NUMBERS = itertools.count(1)
ACKED = [0]  # answers the server acknowledged with a 303 to their feedback page


@events.quitting.add_listener
def _save_acknowledged(environment, **_kwargs):
    # After every user has stopped (stop timeout included), so in-flight answers count.
    if path := os.environ.get("CLASSLOAD_ACKED_FILE"):
        with open(path, "w") as stream:
            stream.write(str(ACKED[0]))


class Student(FastHttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        self.username = f"load-{next(NUMBERS):04d}"
        self.banks = itertools.cycle(random.sample(BANKS, len(BANKS)))
        page = self.client.get("/auth/login", name="login form").text
        with self.client.post(
            "/auth/login",
            **_form(username=self.username, password=PASSWORD, csrf_token=_token(page)),
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"login gave {response.status_code}")
        self.question = self._start()

    def _start(self) -> str | None:
        page = self.client.get("/quizzes", name="quiz list").text
        bank = next(self.banks)
        with self.client.post(
            f"/quizzes/{bank}/start",
            **_form(csrf_token=_token(page)),
            name="start",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"start gave {response.status_code}")
                return None
            location = response.headers["Location"]
        with self.client.get(
            location, name="resume", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"resume gave {response.status_code}")
                return None
            return response.headers["Location"]

    @task
    def answer_read_next(self):
        if self.question is None or "/q/" not in self.question:
            self.question = self._start()
            return
        page = self.client.get(self.question, name="question").text
        values = CHOICE.findall(page)
        shown = SHOWN.search(page)
        if shown is None:  # answered already (say, after a retry): go on from its feedback
            self.question = None
            return
        data = {
            "csrf_token": _token(page),
            "shown": shown.group(1),
            "answer": [random.choice(values)] if values else ["42"],
        }
        self.wait()  # think before answering
        post = _form(**data)
        with self.client.post(
            self.question, **post, name="answer", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 303 or "/feedback" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"answer gave {response.status_code}")
                return
            ACKED[0] += 1
            feedback = response.headers["Location"]
        page = self.client.get(feedback, name="feedback").text
        found = NEXT.search(page)
        self.question = html.unescape(found.group(1)) if found else None


def _token(page: str) -> str:
    found = TOKEN.search(page)
    return found.group(1) if found else ""


def _form(**fields) -> dict:
    """Return the body and header of a urlencoded form (a list value repeats its field)."""
    return {
        "data": urlencode(fields, doseq=True),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }
