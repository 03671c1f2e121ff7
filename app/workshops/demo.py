"""Demo data: the cohort's two 2-day workshops of October 2020, with attendance and rubric scores.

The 28 trainees are split in two groups of 14: the first meets in Skopje on 5–6 October, the second in
Tetovo on 19–20 October. Both workshops are completed: attendance is marked and locked (a few trainees
were late, absent or excused), and the case-study assessment is finalised by the group's trainer and
locked, with a few trainees below the pass mark. Running it again fills gaps and changes nothing else.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..extensions import db
from .assessments import specs
from .models import (
    Assessment,
    AssessmentScore,
    Attendance,
    Criterion,
    Level,
    Registration,
    Rubric,
    SessionDay,
    Workshop,
    WorkshopTrainer,
)
from .scoring import total_points

SKOPJE = ZoneInfo("Europe/Skopje")
RUBRIC_TITLE = "Case study: assessment and case plan"
LEVELS = (
    (1.0, "Beginning"),
    (2.0, "Developing"),
    (3.0, "Proficient"),
    (4.0, "Exemplary"),
)
CRITERIA = (
    (
        "Identifies risk and protective factors",
        "Uses the determinants of migrant vulnerability model: individual, household and family, community "
        "and structural factors.",
        (
            "Lists facts about the person without linking them to risk or protection.",
            "Names some risk factors, mostly individual ones; protective factors are missing.",
            "Identifies risk and protective factors at the individual, household and community levels.",
            "Identifies risk and protective factors at all four levels and explains how they interact.",
        ),
    ),
    (
        "Assesses needs and immediate safety",
        "Tells urgent needs from longer-term ones and checks whether the person is safe now.",
        (
            "Urgent and longer-term needs are mixed up; safety is not assessed.",
            "Notes the main needs, but the safety assessment is incomplete.",
            "Puts safety, health and protection needs first and gives reasons.",
            "Gives clear priorities, plans for a change in risk and checks them with the person.",
        ),
    ),
    (
        "Plans case management and referral",
        "A case plan with actions, responsible services, timelines and follow-up.",
        (
            "No case plan, or a plan without actions, responsibilities or timelines.",
            "Some actions are planned; referrals are named but not specific.",
            "Concrete actions, responsible services and timelines; suitable referrals.",
            "A realistic plan agreed with the person, with referral pathways, follow-up and criteria "
            "for closing the case.",
        ),
    ),
    (
        "Applies the principles of protection",
        "Do no harm, informed consent, confidentiality, non-discrimination, and the best interests "
        "of a child.",
        (
            "The principles are not considered, or the plan would put the person at risk.",
            "The principles are mentioned but not applied to the case.",
            "Informed consent, confidentiality and do no harm are applied in the plan.",
            "Every relevant principle is applied consistently, and hard choices are explained.",
        ),
    ),
)
PASS_POINTS = 10.0
WORKSHOPS = (
    {
        "title": "Protection and assistance for vulnerable migrants: workshop for group 1 (Skopje)",
        "venue": "Hotel Continental, conference hall",
        "address": "bul. Aleksandar Makedonski bb, 1000 Skopje",
        "days": (date(2020, 10, 5), date(2020, 10, 6)),
    },
    {
        "title": "Protection and assistance for vulnerable migrants: workshop for group 2 (Tetovo)",
        "venue": "South East European University, Tetovo campus",
        "address": "Ilindenska 335, 1200 Tetovo",
        "days": (date(2020, 10, 19), date(2020, 10, 20)),
    },
)
DESCRIPTION = (
    "Two days of case work for social workers of the Centres for Social Work: identifying migrants "
    "vulnerable to violence, exploitation and abuse, assessing their situation with the determinants of "
    "migrant vulnerability model, and planning assistance and referral.\n"
    "Day 2 ends with the case-study assessment, scored by the trainers on a rubric."
)
# Within each group of 14 (by position): who was not simply present, on which day, and why.
EXCEPTIONS = {
    0: {
        (3, 0): ("late", "Arrived at 09:40 (bus from Kumanovo delayed)."),
        (8, 1): ("absent", ""),
        (11, 0): ("excused", "Court hearing for a client; told the coordinator in advance."),
        (13, 1): ("late", "Joined after the first break."),
    },
    1: {
        (2, 1): ("late", "Arrived at 10:15."),
        (6, 0): ("absent", "Urgent case at the centre."),
        (11, 1): ("excused", "Sick leave (certificate sent)."),
    },
}
# Positions (within each group) of the trainees whose case study fell short of the pass mark.
BELOW_PASS = {0: (8, 12), 1: (6,)}
COMMENTS = {
    "high": "A thorough assessment that looks beyond the individual: the household and community factors you "
    "found shaped a realistic plan. Keep checking the plan with the person as the risks change.",
    "mid": "A sound plan with clear priorities. Look more closely at protective factors and at structural "
    "barriers (documents, access to services), and name who does what in each referral.",
    "low": "The plan lists services but not the steps, the people responsible or the timeline. Start from "
    "the immediate safety check, then build the plan with the person; we will go through it together.",
}


def build_workshops(cohort, trainees, trainers) -> list[Workshop]:
    """Create (or complete) the two demo workshops of the cohort; return them."""
    rubric = _rubric()
    groups = (trainees[:14], trainees[14:28])
    built = []
    for index, (spec, group) in enumerate(zip(WORKSHOPS, groups, strict=True)):
        scorer = trainers[index % len(trainers)]
        workshop = _workshop(cohort, spec, trainers)
        _registrations(workshop, group, spec["days"][0])
        _attendance(workshop, group, scorer, EXCEPTIONS[index])
        _scores(workshop, rubric, group, scorer, BELOW_PASS[index], seed=2020 + index)
        built.append(workshop)
    db.session.commit()
    return built


def _local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, SKOPJE).astimezone(UTC)


def _rubric() -> Rubric:
    rubric = db.session.execute(db.select(Rubric).filter_by(title=RUBRIC_TITLE)).scalar_one_or_none()
    if rubric is not None:
        return rubric
    rubric = Rubric(
        title=RUBRIC_TITLE,
        description="Scores the written case study of day 2: a migrant's situation, the assessment "
        "and the case plan.",
    )
    for position, (title, description, descriptors) in enumerate(CRITERIA, start=1):
        criterion = Criterion(position=position, title=title, description=description)
        for (points, level_title), descriptor in zip(LEVELS, descriptors, strict=True):
            criterion.levels.append(Level(points=points, title=level_title, descriptor=descriptor))
        rubric.criteria.append(criterion)
    db.session.add(rubric)
    db.session.flush()
    return rubric


def _workshop(cohort, spec: dict, trainers) -> Workshop:
    workshop = db.session.execute(
        db.select(Workshop).filter_by(cohort_id=cohort.id, title=spec["title"])
    ).scalar_one_or_none()
    last_day = spec["days"][-1]
    if workshop is None:
        workshop = Workshop(
            cohort_id=cohort.id,
            title=spec["title"],
            description=DESCRIPTION,
            venue=spec["venue"],
            address=spec["address"],
            capacity=14,
            status="completed",
            self_signup=False,
            cancel_cutoff_days=2,
            waitlist_freeze_days=2,
            attendance_locked_at=_local(last_day + timedelta(days=1), time(10)),
            scores_locked_at=_local(last_day + timedelta(days=7), time(10)),
            created_at=_local(date(2020, 9, 1), time(10)),
        )
        for day in spec["days"]:
            workshop.sessions.append(
                SessionDay(starts_at=_local(day, time(9)), ends_at=_local(day, time(16, 30)))
            )
        db.session.add(workshop)
        db.session.flush()
    present = {t.user_id for t in workshop.trainers}
    for trainer in trainers:
        if trainer.id not in present:
            workshop.trainers.append(WorkshopTrainer(user_id=trainer.id))
    return workshop


def _registrations(workshop: Workshop, group, first_day: date) -> None:
    present = {r.user_id for r in workshop.registrations}
    signed_up = _local(first_day - timedelta(days=21), time(11))
    for index, user in enumerate(group):
        if user.id not in present:
            moment = signed_up + timedelta(minutes=index)
            workshop.registrations.append(
                Registration(user_id=user.id, status="enrolled", signed_up_at=moment, changed_at=moment)
            )
    db.session.flush()


def _attendance(workshop: Workshop, group, marker, exceptions: dict) -> None:
    session_ids = [s.id for s in workshop.sessions]
    existing = {
        (a.session_id, a.user_id)
        for a in db.session.execute(
            db.select(Attendance).where(Attendance.session_id.in_(session_ids))
        ).scalars()
    }
    for day_index, session in enumerate(workshop.sessions):
        marked_at = session.starts_at + timedelta(minutes=20)
        for position, user in enumerate(group):
            if (session.id, user.id) in existing:
                continue
            status, note = exceptions.get((position, day_index), ("present", ""))
            db.session.add(
                Attendance(
                    session_id=session.id,
                    user_id=user.id,
                    status=status,
                    note=note,
                    marked_by_id=marker.id,
                    marked_at=marked_at,
                )
            )
    db.session.flush()


def _scores(workshop: Workshop, rubric: Rubric, group, scorer, below: tuple[int, ...], seed: int) -> None:
    assessment = db.session.execute(
        db.select(Assessment).filter_by(workshop_id=workshop.id, rubric_id=rubric.id)
    ).scalar_one_or_none()
    if assessment is None:
        assessment = Assessment(
            workshop_id=workshop.id, rubric_id=rubric.id, title=RUBRIC_TITLE, pass_points=PASS_POINTS
        )
        db.session.add(assessment)
        db.session.flush()
    scored = set(
        db.session.execute(
            db.select(AssessmentScore.trainee_id).filter_by(assessment_id=assessment.id)
        ).scalars()
    )
    criteria = specs(rubric)
    rng = random.Random(seed)
    finalised = workshop.sessions[-1].ends_at + timedelta(days=2)
    for position, user in enumerate(group):
        target = rng.randint(6, 9) if position in below else rng.randint(10, 15)
        if user.id in scored:
            continue
        choices = _levels_for(criteria, target, rng)
        total = total_points(criteria, choices)
        comment = COMMENTS["high" if total >= 14 else "mid" if total >= PASS_POINTS else "low"]
        moment = finalised + timedelta(minutes=7 * position)
        db.session.add(
            AssessmentScore(
                assessment_id=assessment.id,
                trainee_id=user.id,
                scorer_id=scorer.id,
                levels={str(c): level for c, level in choices.items()},
                comment=comment,
                total=total,
                finalised_at=moment,
                updated_at=moment,
            )
        )
    db.session.flush()


def _levels_for(criteria, target: int, rng: random.Random) -> dict[int, int]:
    """Choose a level per criterion (1–4 points each) that adds up to the target total."""
    points = [1] * len(criteria)
    for _ in range(target - len(criteria)):
        candidates = [i for i, p in enumerate(points) if p < 4]
        points[rng.choice(candidates)] += 1
    return {
        criterion.id: next(level.id for level in criterion.levels if level.points == p)
        for criterion, p in zip(criteria, points, strict=True)
    }
