"""Signing up and in through the real forms, as a person would in the browser."""

from tests.conftest import Auth


def register(page, base: str, username: str, **fields: str) -> None:
    """Create an account on the register page; ``fields`` fill other labels (e.g. Email)."""
    page.goto(f"{base}/auth/register")
    page.get_by_label("Username").fill(username)
    for label, value in fields.items():
        page.get_by_label(label.replace("_", " ").capitalize()).fill(value)
    page.get_by_label("Password", exact=True).fill(Auth.PASSWORD)
    page.get_by_label("Repeat password").fill(Auth.PASSWORD)
    page.get_by_role("button", name="Create account").click()


def log_in(page, base: str, username: str) -> None:
    """Log in on the login page."""
    page.goto(f"{base}/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(Auth.PASSWORD)
    page.get_by_role("button", name="Log in").click()
