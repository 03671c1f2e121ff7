"""The app with one more route: signed in, no page, no query of its own: the least a signed-in page costs.

Served by bench/lesson_throughput.py beside the lesson page and the bare Flask route.
"""

from app import create_app
from app.access import signed_in

app = create_app()


@app.route("/bench/floor")
@signed_in
def floor() -> str:
    return "ok"
