"""The ceiling: a bare Flask hello-world app, served like the real one."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Return a constant greeting."""
    return "Hello, World!"
