"""Quiz submission throughput under gunicorn, against a bare Flask route served the same way in the same run.

Run: .venv/bin/python bench/quiz_submission.py [--attempts 120]
Each request submits a different trainee's post-test (18 answers) and is scored on the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import threading
import time
from urllib.parse import urlencode

from _serve import BIN, ROOT, demo_database, gunicorn, sign_in, throughput

SETUP = """
import json, sys
from werkzeug.security import generate_password_hash
from app.extensions import db
from app.accounts.models import User
from app.courses.models import Cohort, Membership, Lesson, LessonProgress
from app.quizzes.models import Quiz
from app.quizzes import attempts
from app.database import utcnow
cohort = db.session.execute(db.select(Cohort)).scalars().first()
quiz = db.session.execute(db.select(Quiz).filter_by(course_id=cohort.course_id, kind="post")).scalar_one()
quiz.attempts_allowed = None
lessons = db.session.execute(db.select(Lesson.id)).scalars().all()
password = generate_password_hash("bench-password-1")
out = []
for n in range(int(sys.argv[1])):
    user = User(email=f"bench{n}@example.org", display_name=f"Bench {n}", certificate_name=f"Bench {n}",
                role="trainee", locale="en", password_hash=password)
    db.session.add(user); db.session.flush()
    cohort.memberships.append(Membership(user_id=user.id, role="trainee"))
    db.session.add_all(LessonProgress(user_id=user.id, lesson_id=i, completed_at=utcnow()) for i in lessons)
    db.session.commit()
    attempt = attempts.start_attempt(quiz, user, utcnow())
    form = {f"q{i}": ("o0" if q["type"] in ("single", "multiple") else
                      "true" if q["type"] == "true_false" else "answer")
            for i, q in enumerate(attempt.questions) if q["type"] != "matching"}
    out.append([user.email, attempt.id, form])
print(json.dumps(out))
"""


def prepare(env: dict, count: int) -> list:
    script = "from app import create_app\napp = create_app()\nwith app.app_context():\n" + "\n".join(
        "    " + line for line in SETUP.strip().splitlines()
    )
    result = subprocess.run(
        [BIN / "python", "-c", script, str(count)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def open_attempt(port: int, cookie: str, path: str) -> tuple[str, str]:
    """Open the attempt page as the trainee would; return the form's CSRF token and the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]  # the session now holds the token
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1), cookie


def trainee(port: int, share: list, ready: threading.Barrier, go: threading.Barrier) -> None:
    """Sign in and open each attempt of this share, wait for the others, then submit them all."""
    prepared = []
    for email, attempt_id, form in share:
        token, cookie = open_attempt(
            port, sign_in(port, email, "bench-password-1"), f"/attempts/{attempt_id}"
        )
        prepared.append((cookie, attempt_id, urlencode(dict(form, csrf_token=token), doseq=True)))
    ready.wait()
    go.wait()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for cookie, attempt_id, body in prepared:
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", f"/attempts/{attempt_id}/submit", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"submit answered HTTP {response.status} for attempt {attempt_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=120)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    env = demo_database()
    attempts = prepare(env, args.attempts)
    with gunicorn("wsgi:app", env) as app_port, gunicorn("bench.hello:app", env) as hello_port:
        ready, go = threading.Barrier(args.clients + 1), threading.Barrier(args.clients + 1)
        threads = [
            threading.Thread(target=trainee, args=(app_port, attempts[i :: args.clients], ready, go))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        ready.wait()
        start = time.perf_counter()
        go.wait()
        for thread in threads:
            thread.join()
        submit_rate = len(attempts) / (time.perf_counter() - start)
        hello_rate = throughput(hello_port, "/", 3.0, clients=args.clients)
    print(
        f"quiz submissions {submit_rate:8.1f} /s   bare Flask {hello_rate:8.1f} req/s   "
        f"ratio {submit_rate / hello_rate:.3f}"
    )


if __name__ == "__main__":
    main()
