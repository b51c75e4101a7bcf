"""The bare Flask hello-world app: the ceiling every page is compared with (gunicorn tests.bench.hello:app)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Answer with a fixed text and nothing else."""
    return "Hello, World!"
