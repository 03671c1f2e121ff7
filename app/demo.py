"""`flask demo`: a realistic demo instance for trying the platform out."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from .accounts.models import User
from .certificates.demo import build_certificates
from .courses.demo import build_cohort
from .extensions import db
from .quizzes.demo import build_attempts
from .workshops.demo import build_workshops

STAFF = [
    ("admin@demo.example", "Ана Трајковска", "Ана Трајковска", "admin", "mk", "IOM Skopje"),
    ("coordinator@demo.example", "Elena Stojanovska", "Елена Стојановска", "coordinator", "en", "IOM Skopje"),
    ("trainer1@demo.example", "Marija Petrovska", "Марија Петровска", "trainer", "mk", "IOM Skopje"),
    ("trainer2@demo.example", "Arben Rexhepi", "Arben Rexhepi", "trainer", "sq", "IOM Skopje"),
]

CSW = {
    "skopje": "ЈУ Меѓуопштински центар за социјална работа – Скопје",
    "kumanovo": "ЈУ Меѓуопштински центар за социјална работа – Куманово",
    "bitola": "ЈУ Меѓуопштински центар за социјална работа – Битола",
    "stip": "ЈУ Меѓуопштински центар за социјална работа – Штип",
    "veles": "ЈУ Меѓуопштински центар за социјална работа – Велес",
    "ohrid": "ЈУ Меѓуопштински центар за социјална работа – Охрид",
    "tetovo": "QPS Tetovë – Qendra Ndërkomunale për Punë Sociale",
    "gostivar": "QPS Gostivar – Qendra Ndërkomunale për Punë Sociale",
    "struga": "QPS Strugë – Qendra Ndërkomunale për Punë Sociale",
    "kicevo": "QPS Kërçovë – Qendra Ndërkomunale për Punë Sociale",
}

# (display name, name as the person writes it on a certificate, CSW, language, gender)
TRAINEES = [
    ("Aleksandra Nikolovska", "Александра Николовска", "skopje", "mk", "female"),
    ("Bojan Jovanovski", "Бојан Јовановски", "skopje", "mk", "male"),
    ("Gjorgji Ljubenovski", "Ѓорѓи Љубеновски", "skopje", "mk", "male"),
    ("Snežana Dimitrova", "Снежана Димитрова", "skopje", "mk", "female"),
    ("Jasmina Saliu", "Jasmina Saliu", "skopje", "sq", "female"),
    ("Vesna Ristovska", "Весна Ристовска", "skopje", "mk", "female"),
    ("Kiril Kjosev", "Кирил Ќосев", "kumanovo", "mk", "male"),
    ("Biljana Stojkovska", "Билјана Стојковска", "kumanovo", "mk", "female"),
    ("Fatmire Ismaili", "Fatmire Ismaili", "kumanovo", "sq", "female"),
    ("Natasha Velkovska", "Наташа Велковска", "bitola", "mk", "female"),
    ("Zoran Talevski", "Зоран Талевски", "bitola", "mk", "male"),
    ("Dzhenita Ramadani", "Џенита Рамадани", "bitola", "mk", "female"),
    ("Marjan Gjorgjievski", "Марјан Ѓорѓиевски", "stip", "mk", "male"),
    ("Ljupka Arsova", "Љупка Арсова", "stip", "mk", "female"),
    ("Dragana Zdravkovska", "Драгана Здравковска", "veles", "mk", "female"),
    ("Njegosh Mitrevski", "Његош Митревски", "veles", "mk", "male"),
    ("Tanja Sekulovska", "Тања Секуловска", "ohrid", "mk", "female"),
    ("Dzvezdan Bogoevski", "Ѕвездан Богоевски", "ohrid", "mk", "male"),
    ("Blerta Memeti", "Blerta Memeti", "tetovo", "sq", "female"),
    ("Ardian Sulejmani", "Ardian Sulejmani", "tetovo", "sq", "male"),
    ("Mirlinda Jusufi", "Mirlinda Jusufi", "tetovo", "sq", "female"),
    ("Besnik Aliu", "Besnik Aliu", "gostivar", "sq", "male"),
    ("Drita Emini", "Drita Emini", "gostivar", "sq", "female"),
    ("Ëndrit Çela", "Ëndrit Çela", "gostivar", "sq", "male"),
    ("Lirije Bajrami", "Lirije Bajrami", "struga", "sq", "female"),
    ("Valmira Useini", "Valmira Useini", "struga", "sq", "female"),
    ("Shpresa Rushiti", "Shpresa Rushiti", "kicevo", "sq", "female"),
    ("Agron Xhaferi", "Agron Xhaferi", "kicevo", "sq", "male"),
]

TRANSLIT = str.maketrans({"š": "s", "ž": "z", "č": "c", "ć": "c", "ë": "e", "ç": "c", "Ë": "E", "Ç": "C"})


def trainee_email(display_name: str) -> str:
    first, last = display_name.translate(TRANSLIT).lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@csw-demo.example"


class DemoRefused(click.ClickException):
    pass


def ensure_user(email: str, **fields) -> User:
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, **fields)
        db.session.add(user)
    else:
        for name, value in fields.items():
            setattr(user, name, value)
    return user


def build_people(password: str) -> tuple[list[User], list[User]]:
    """Create or refresh the demo staff and the 28 trainees; return (staff, trainees)."""
    password_hash = generate_password_hash(password)  # one hash: every demo account shares the password
    staff = [
        ensure_user(
            email,
            display_name=name,
            certificate_name=printed,
            role=role,
            locale=locale,
            organisation=org,
            is_demo=True,
            is_active=True,
            password_hash=password_hash,
        )
        for email, name, printed, role, locale, org in STAFF
    ]
    trainees = [
        ensure_user(
            trainee_email(name),
            display_name=name,
            certificate_name=printed,
            role="trainee",
            locale=locale,
            organisation=CSW[csw],
            gender=gender,
            is_demo=True,
            is_active=True,
            password_hash=password_hash,
        )
        for name, printed, csw, locale, gender in TRAINEES
    ]
    db.session.flush()
    return staff, trainees


def refuse_unless_demo(force: bool) -> None:
    others = db.session.execute(db.select(db.func.count()).select_from(User).where(User.is_demo.is_(False)))
    if others.scalar_one() and not force:
        raise DemoRefused(
            "This database holds accounts that are not demo accounts; "
            "run `flask demo --force` to add the demo beside them."
        )


@click.command("demo")
@click.option(
    "--password", default="demo-academy", show_default=True, help="Password for every demo account."
)
@click.option("--force", is_flag=True, help="Run even though the database holds non-demo accounts.")
@with_appcontext
def demo_command(password: str, force: bool) -> None:
    """Build (or refresh) the demo instance and print its sign-in details."""
    refuse_unless_demo(force)
    staff, trainees = build_people(password)
    cohort = build_cohort(trainees, [u for u in staff if u.role == "trainer"])
    db.session.commit()
    build_workshops(cohort, trainees, [u for u in staff if u.role == "trainer"])
    build_attempts(cohort.course, trainees)
    # Last: certificates follow from everything above (and from the workshops, when their demo exists).
    coordinator = next(u for u in staff if u.role == "coordinator")
    outcome = build_certificates(cohort, coordinator)
    click.echo(f"Demo ready. Every account's password: {password}")
    for user in staff:
        click.echo(f"  {user.role:<12} {user.email}")
    click.echo(f"  {len(trainees)} trainees in the cohort '{cohort.name}':")
    for user in trainees:
        click.echo(f"  {'trainee':<12} {user.email:<42} {user.certificate_name}")
    click.echo(f"Certificates issued now: {len(outcome.issued)} (see Certificates, as the coordinator).")
