"""Demo data for education awards: last year's programmes all paid, this year's with applications in every
state, and head-teacher awards of both years.

- 王静 (demo_welfare, 爱警办主任) creates the programmes, approves head-teacher awards and approves the
  payments; 赵敏 (demo_care) takes the welfare office's review, starts the public notice and nominates
  head teachers; 刘晓梅 (demo_unit_admin) reviews the first stage for 东城分局. Every other county bureau,
  and the command centre, gets a unit admin from its own staff, so every application has a first reviewer.
- Last year (``admission_year(today) - 1``): 金盾优学奖 and 金盾园丁奖, about twenty scholarships and eight
  head-teacher awards, all paid after notices in three batches.
- This year: the same amounts with larger budgets. The scholarship opened on 1 July; its deadline was
  extended (for late admission letters) to two weeks from today, so the apply form works in the demo.
  Applications in every state (``THIS_YEAR``), two of those awaiting the unit's review from 东城分局, one
  held by an objection from an officer of another unit; five head-teacher awards in every state.
- The applicants are officers of the roster aged 40 and over: each gets a child born so that they are 18
  on 1 September of the year, added to the family list through people's services. Married officers with
  the fewest children come first; on a small roster an officer may have two children admitted in
  consecutive years (born at least 13 months apart, as are all of a family's children).
  The demo officer 陈志远 is left alone: his son in 高三 is admitted next year, and the apply page
  shows him why he cannot apply yet.

Every write goes through awards/services.py (and people's services). The services stamp everything
"now", so each story is then moved back to the moments it happened with queryset updates: the
applications' timeline rows and timestamps, objections, head-teacher awards and the programmes' own
timestamps; an application's notice dates are moved back *before* it is paid, since the service pays
only once the notice is over. Last year's programme is created open until today so that its applications
can be submitted, and given its real closing date afterwards. Fund entries (the programmes' budgets and
the payments) are append-only and booked today by the services; audit rows say when the seed ran.

Idempotent: when a programme of either year exists, a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from awards import services
from awards.models import (
    Application,
    ApplicationEvent,
    Objection,
    Programme,
    ProgrammeKind,
    TeacherAward,
    University,
)
from care import fund as ledger
from care.models import BudgetKind
from notifications import services as reminders
from people import services as people_services
from people.models import (
    FamilyMember,
    FamilyRelation,
    Officer,
    OfficerKind,
    OrgUnit,
    OrgUnitKind,
    Role,
    RoleAssignment,
    Sex,
    User,
)

SEED = 20261203
EAST = "X01"  # 东城分局: 刘晓梅 reviews its first stage
SCHOLARSHIP_AMOUNTS = {
    "amount_985": Decimal("10000"),
    "amount_211": Decimal("6000"),
    "amount_dfc": Decimal("3000"),
}
TEACHER_AMOUNTS = {
    "amount_985": Decimal("2000"),
    "amount_211": Decimal("1500"),
    "amount_dfc": Decimal("1000"),
}
# (kind, budget last year, budget this year)
BUDGETS = (
    (ProgrammeKind.SCHOLARSHIP, Decimal("600000"), Decimal("800000")),
    (ProgrammeKind.TEACHER, Decimal("60000"), Decimal("80000")),
)
NOTICE_DAYS = 5
LAST_YEAR_APPLICATIONS = 20
LAST_YEAR_TEACHERS = 8
# This year's scholarships: (state, how many), in the order they are told.
THIS_YEAR = (
    ("paid", 6),
    ("in_notice", 5),
    ("on_hold", 1),
    ("approved", 2),
    ("unit_approved", 4),
    ("submitted", 3),
    ("returned", 1),
    ("rejected", 1),
    ("draft", 1),
    ("withdrawn", 1),
)
SUBMITTED_FROM_EAST = 2  # 刘晓梅 has work waiting
# This year's head-teacher awards, each for one of the paid scholarships.
THIS_YEAR_TEACHERS = ("paid", "approved", "approved", "nominated_by_office", "nominated_by_head")

# Universities of the shipped list (awards/data/universities.csv) by code, with majors their students take.
UNIVERSITIES = {
    "985": {
        "4133010335": ("计算机科学与技术", "临床医学", "电气工程及其自动化"),  # 浙江大学
        "4142010486": ("法学", "测绘工程", "新闻学"),  # 武汉大学
        "4144010558": ("临床医学", "工商管理", "汉语言文学"),  # 中山大学
        "4151010610": ("口腔医学", "软件工程", "历史学"),  # 四川大学
        "4132010284": ("物理学", "天文学", "汉语言文学"),  # 南京大学
        "4142010487": ("机械设计制造及其自动化", "电子信息工程", "临床医学"),  # 华中科技大学
        "4137010422": ("数学与应用数学", "临床医学", "法学"),  # 山东大学
        "4135010384": ("会计学", "经济学", "海洋科学"),  # 厦门大学
        "4131010247": ("土木工程", "建筑学", "车辆工程"),  # 同济大学
        "4143010533": ("冶金工程", "临床医学", "交通运输"),  # 中南大学
        "4161010698": ("能源与动力工程", "电气工程及其自动化", "金融学"),  # 西安交通大学
        "4151010614": ("通信工程", "微电子科学与工程", "计算机科学与技术"),  # 电子科技大学
    },
    "211": {
        "4132010285": ("纳米材料与技术", "法学", "英语"),  # 苏州大学
        "4141010459": ("临床医学", "土木工程", "汉语言文学"),  # 郑州大学
        "4136010403": ("护理学", "食品科学与工程", "计算机科学与技术"),  # 南昌大学
        "4150010635": ("心理学", "农学", "汉语言文学（师范）"),  # 西南大学
        "4144010559": ("新闻学", "国际经济与贸易", "药学"),  # 暨南大学
        "4142010511": ("汉语言文学（师范）", "思想政治教育", "数学与应用数学（师范）"),  # 华中师范大学
        "4142010497": ("材料科学与工程", "船舶与海洋工程", "物流工程"),  # 武汉理工大学
        "4151010613": ("交通运输", "铁道工程", "土木工程"),  # 西南交通大学
        "4111010053": ("法学", "侦查学", "政治学与行政学"),  # 中国政法大学
        "4134010359": ("车辆工程", "机械设计制造及其自动化", "会计学"),  # 合肥工业大学
        "4132010294": ("水利水电工程", "港口航道与海岸工程", "环境工程"),  # 河海大学
        "4161010701": ("网络空间安全", "电子信息工程", "通信工程"),  # 西安电子科技大学
    },
    "dfc": {
        "4111010041": ("侦查学", "治安学", "网络安全与执法"),  # 中国人民公安大学
        "4132010312": ("临床医学", "预防医学", "口腔医学"),  # 南京医科大学
        "4133011646": ("海洋科学", "英语", "机械工程"),  # 宁波大学
        "4143010530": ("数学与应用数学", "法学", "机械设计制造及其自动化"),  # 湘潭大学
        "4141010475": ("汉语言文学", "历史学", "生物科学"),  # 河南大学
        "4144010564": ("农学", "兽医学", "园林"),  # 华南农业大学
        "4132010300": ("大气科学", "应用气象学", "地理信息科学"),  # 南京信息工程大学
        "4131010268": ("中医学", "针灸推拿学", "中药学"),  # 上海中医药大学
        "4114010108": ("哲学", "化学", "体育教育"),  # 山西大学
        "4132010293": ("通信工程", "电子信息工程", "物联网工程"),  # 南京邮电大学
    },
}
TIER_WEIGHTS = {"985": 3, "211": 4, "dfc": 4}


def _every(n: int, text: str) -> tuple[str, ...]:
    """``text`` cut into names of ``n`` characters."""
    return tuple(text[i : i + n] for i in range(0, len(text), n))


# Given names of children born around 2007, and head teachers' full names.
GIVEN_BOY = _every(
    2,
    "子轩浩然宇航俊熙博文子豪皓轩明哲子墨家豪天佑宇轩逸飞泽宇俊杰文博一帆子健梓睿晨阳浩宇锦程睿哲弘毅昊天承志",
)
GIVEN_GIRL = _every(
    2,
    "子涵雨桐欣怡一诺诗琪嘉怡佳琪梓萱若曦语嫣心怡梦瑶思琪晓彤书瑶可馨雅琪欣然雨萱诗涵佳怡紫琳婧怡梓涵静怡安琪",
)
HEAD_TEACHERS = _every(
    3, "周丽华李建军王秀英张海燕刘国强陈红梅杨志刚赵淑芬黄文斌吴晓燕孙卫东马丽娟朱海涛胡春燕郭永明"
)
HIGH_SCHOOLS = ("第一中学", "第二中学", "实验中学")  # the senior high schools of people/demo's families
RETURN_REASON = "录取通知书照片不完整，缺少学校公章部分，请重新上传清晰完整的扫描件。"
REJECT_REASON = (
    "经与学校核实，该生为该校继续教育学院（成人高考）录取，不属于普通本科统招，不符合本奖项奖励条件。"
)
WITHDRAW_REASON = "孩子已获得市总工会金秋助学金，按规定不重复享受，撤回申请。"
OBJECTION = "据了解，该生录取的是该校的中外合作办学项目，并非学校本部统招录取，请核实是否符合奖励条件。"
# Decisions older than this are old news: their messages to the officer are cancelled after commit.
OLD_NEWS = dt.timedelta(days=7)


def admission_year(today: dt.date) -> int:
    """This year's admissions: from October the summer's admissions are over and the awards under way."""
    return today.year if today.month >= 10 else today.year - 1


# --- Time ----------------------------------------------------------------------------------------


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _off(day: dt.date) -> bool:
    """A weekend or the National Day holiday (1–7 October), when the office does not work."""
    return day.weekday() >= 5 or (day.month == 10 and day.day <= 7)


def _weekday(day: dt.date, today: dt.date) -> dt.date:
    """The working day on or after ``day`` (on or before, where that would be in the future)."""
    moved = day
    while _off(moved):
        moved += dt.timedelta(days=1)
    if moved > today:
        moved = day
        while _off(moved):
            moved -= dt.timedelta(days=1)
    return moved


def _monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


@dataclass
class _Clock:
    now: dt.datetime
    rng: random.Random

    @property
    def today(self) -> dt.date:
        return timezone.localtime(self.now).date()

    def office(self, day: dt.date | int) -> dt.datetime:
        """A moment in office hours on a working day: the one on or after ``day``, or, for a number of
        days ago, the one on or before it (so it stays at least that long ago)."""
        if isinstance(day, int):
            day = self.today - dt.timedelta(days=day)
            while _off(day):
                day -= dt.timedelta(days=1)
        day = _weekday(day, self.today)
        return _aware(day, self.rng.choice((9, 10, 11, 14, 15, 16, 17)), self.rng.randrange(0, 60, 5))

    def home(self, day: dt.date | int | float) -> dt.datetime:
        """A moment an officer fills in a form: early, at lunch or in the evening; below a day, hours ago."""
        if isinstance(day, float) and day < 1:
            return self.now - dt.timedelta(hours=day * 24)
        if not isinstance(day, dt.date):
            day = self.today - dt.timedelta(days=int(day))
        return _aware(day, self.rng.choice((7, 12, 20, 21, 22)), self.rng.randrange(0, 60, 5))


class _Timeline:
    """The moments of one story, in order and never in the future."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.moments: list[dt.datetime] = []

    def at(self, moment: dt.datetime) -> dt.datetime:
        latest = self.clock.now - dt.timedelta(minutes=5)
        moment = min(moment, latest)
        if self.moments and moment <= self.moments[-1]:
            moment = min(self.moments[-1] + dt.timedelta(minutes=self.clock.rng.randint(20, 90)), latest)
            moment = max(moment, self.moments[-1] + dt.timedelta(seconds=1))
        self.moments.append(moment)
        return moment

    @property
    def last(self) -> dt.datetime:
        return self.moments[-1]


# --- People --------------------------------------------------------------------------------------


@dataclass
class _Staff:
    head: User  # 王静: creates programmes, approves head-teacher awards and payments
    office: User  # 赵敏: the welfare office's review, the notice, nominations
    unit_admins: dict[str, User]  # county bureau path -> its unit admin

    def unit_admin_for(self, officer: Officer) -> User:
        return next(u for path, u in self.unit_admins.items() if officer.org_unit.path.startswith(path))


ADMIN_POSITIONS = ("政工干事", "科长", "副科长", "值班长")  # who becomes a unit admin, best first


def _unit_admins(east_admin: User | None) -> dict[str, User]:
    """A unit admin for each county bureau and the command centre: 刘晓梅 for 东城分局, elsewhere one of
    the unit's own staff (political work first). The city bureau's own staff have none: they do not apply."""
    admins: dict[str, User] = {}
    units = OrgUnit.objects.filter(
        kind__in=[OrgUnitKind.COUNTY_BUREAU, OrgUnitKind.CENTRE], parent__parent=None, active=True
    ).order_by("path")
    for county in units:
        if county.code == EAST and east_admin is not None:
            admins[county.path] = east_admin
            continue
        existing = (
            RoleAssignment.objects.filter(role=Role.UNIT_ADMIN, org_unit=county, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if existing is not None:
            admins[county.path] = existing.user
            continue
        staff = list(
            Officer.objects.filter(
                org_unit=county,
                active=True,
                kind=OfficerKind.POLICE,
                user__is_active=True,
                user__username__startswith="u",
            )
            .select_related("user")
            .order_by("police_number")
        )
        if not staff:
            continue  # nobody to review its first stage: its officers do not apply in the demo
        rank = {position: n for n, position in enumerate(ADMIN_POSITIONS)}
        chosen = min(staff, key=lambda o: rank.get(o.position, len(rank)))
        people_services.role_assign(user=chosen.user, role=Role.UNIT_ADMIN, org_unit=county, actor=None)
        admins[county.path] = chosen.user
    return admins


PARENT_AGES = (22, 42)  # a parent's age when the child was born, at the youngest and the oldest
MAX_CHILDREN = 3  # a family gets a fourth child only where the roster is too small for the demo


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier); 29 February becomes the 28th in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass
class _Parent:
    officer: Officer
    surname: str
    married: bool
    children: list[dt.date] = field(default_factory=list)  # birth dates


class _Families:
    """Parents from the roster; each gets a child admitted in the year, added to the family list."""

    def __init__(self, *, officers: list[Officer], rng: random.Random) -> None:
        self.rng = rng
        self.fresh: list[_Parent] = []
        self.used: list[_Parent] = []
        self.names: set[str] = set()
        for officer in officers:
            members = list(officer.family_members.all())
            spouse = next((m for m in members if m.relation == FamilyRelation.SPOUSE), None)
            # A child usually takes the father's surname.
            father = spouse.name if officer.sex == Sex.FEMALE and spouse and spouse.sex == Sex.MALE else None
            self.fresh.append(
                _Parent(
                    officer=officer,
                    surname=(father or officer.name)[0],
                    married=spouse is not None,
                    children=[m.birth_date for m in members if m.relation == FamilyRelation.CHILD],
                )
            )
            self.names.update(m.name for m in members)
        # Married officers with the fewest children first: most families have one child.
        self.fresh.sort(key=lambda parent: (len(parent.children), not parent.married))

    def _birth_date(self, parent: _Parent, year: int) -> dt.date | None:
        """A birth date making the child 18 on 1 September of ``year``, that fits the family, or None."""
        first, last = dt.date(year - 19, 9, 5), dt.date(year - 18, 8, 25)
        born_from = _years_after(parent.officer.birth_date, PARENT_AGES[0])
        born_until = _years_after(parent.officer.birth_date, PARENT_AGES[1])
        first, last = max(first, born_from), min(last, born_until)
        fits = [
            day
            for day in (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            if all(abs((day - other).days) >= 400 for other in parent.children)
        ]
        return self.rng.choice(fits) if fits else None

    def _name(self, surname: str, sex: str) -> str:
        pool = GIVEN_BOY if sex == Sex.MALE else GIVEN_GIRL
        for _try in range(40):
            name = surname + self.rng.choice(pool)
            if name not in self.names:
                return name
        return surname + self.rng.choice(pool) + self.rng.choice("明华新宁")

    def _candidates(self, within: str | None):
        """Officers with no child admitted yet first; families of at most three children before larger."""
        for cap in (MAX_CHILDREN, None):
            for pool in (self.fresh, self.used):
                for parent in list(pool):
                    if within and not parent.officer.org_unit.path.startswith(within):
                        continue
                    if cap is None or len(parent.children) < cap:
                        yield parent

    def child(
        self, *, year: int, school: str, grade: str, within: str | None = None
    ) -> tuple[Officer, FamilyMember] | None:
        """A parent (in the subtree ``within``, if given) and their child admitted in ``year``."""
        for parent in self._candidates(within):
            born = self._birth_date(parent, year)
            if born is None:
                continue
            if parent in self.fresh:
                self.fresh.remove(parent)
                self.used.append(parent)
            sex = self.rng.choice((Sex.MALE, Sex.FEMALE))
            name = self._name(parent.surname, sex)
            self.names.add(name)
            parent.children.append(born)
            member = people_services.family_member_add(
                officer=parent.officer,
                relation=FamilyRelation.CHILD,
                name=name,
                sex=sex,
                birth_date=born,
                school=school,
                grade=grade,
                actor=parent.officer.user,
            )
            return parent.officer, member
        return None


POOL = 500  # parents to choose from: plenty for the demo, few enough to load quickly for a whole city


def _parents(admins: dict[str, User], today: dt.date, rng: random.Random) -> list[Officer]:
    """Roster officers old enough to have a child at university, in the units with a unit admin, not the
    admins themselves; at most ``POOL`` of them, in random order."""
    if not admins:
        return []
    condition = Q()
    for path in admins:
        condition |= Q(org_unit__path__startswith=path)
    ids = list(
        Officer.objects.filter(
            condition,
            active=True,
            user__is_active=True,
            user__username__startswith="u",
            birth_date__lte=_years_after(today, -(PARENT_AGES[0] + 18)),
        )
        .exclude(user__in=[u.pk for u in admins.values()])
        .order_by("police_number")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, min(POOL, len(ids)))
    found = {
        o.pk: o
        for o in Officer.objects.filter(pk__in=chosen)
        .select_related("user", "org_unit")
        .prefetch_related("family_members")
    }
    return [found[pk] for pk in chosen]


# --- Letters -------------------------------------------------------------------------------------

LETTER_FONT = "STSong-Light"  # reportlab's built-in Chinese font: nothing to embed, so a letter takes 1 ms


def _letter(*, university: str, child: str, major: str, year: int, day: dt.date) -> SimpleUploadedFile:
    """An admission letter (录取通知书) as a one-page PDF, marked as demo data."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if LETTER_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(LETTER_FONT))
    width, height = landscape(A5)
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    page.setTitle(f"{university}录取通知书")
    page.setStrokeColorRGB(0.65, 0.1, 0.1)
    page.setLineWidth(3)
    page.rect(20, 20, width - 40, height - 40)
    page.setFillColorRGB(0.65, 0.1, 0.1)
    page.setFont(LETTER_FONT, 26)
    page.drawCentredString(width / 2, height - 80, university)
    page.setFont(LETTER_FONT, 20)
    page.drawCentredString(width / 2, height - 115, "录 取 通 知 书")
    page.setFillColorRGB(0, 0, 0)
    page.setFont(LETTER_FONT, 14)
    page.drawString(60, height - 165, f"{child} 同学：")
    page.drawString(88, height - 192, f"经批准，你已被我校 {major} 专业录取，")
    page.drawString(60, height - 219, f"请于{year}年9月凭本通知书到校报到。")
    page.drawRightString(width - 60, 80, university)
    page.drawRightString(width - 60, 58, f"{day.year}年{day.month}月{day.day}日")
    page.setFont(LETTER_FONT, 8)
    page.setFillColorRGB(0.5, 0.5, 0.5)
    page.drawString(30, 28, "演示数据，非真实文件")
    page.showPage()
    page.save()
    return SimpleUploadedFile("录取通知书.pdf", out.getvalue(), content_type="application/pdf")


# --- Stories -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One scholarship: what happens and when (``steps``: (name, moment), oldest first)."""

    programme: Programme
    officer: Officer
    child: FamilyMember
    university: University
    major: str
    steps: list[tuple[str, dt.datetime]]


class _Teller:
    """Tells stories through the services, then moves each to its moments."""

    def __init__(self, *, staff: _Staff, clock: _Clock, objector_for: Callable[[Officer], User]) -> None:
        self.staff, self.clock, self.objector_for = staff, clock, objector_for
        self.settled: list[int] = []  # applications whose news is old
        rng = clock.rng
        # Head teachers, each at one school with one phone number.
        self.teachers = [
            (name, rng.choice(HIGH_SCHOOLS), f"13{rng.choice('5789')}{rng.randint(0, 99_999_999):08d}")
            for name in rng.sample(HEAD_TEACHERS, len(HEAD_TEACHERS))
        ]
        self.nominated = 0

    def scholarship(self, plan: _Plan) -> Application:
        staff, officer = self.staff, plan.officer
        timeline = _Timeline(self.clock)
        events: list[dt.datetime] = []  # the moment of each step that writes an ApplicationEvent
        stamps: dict[str, dt.datetime] = {}
        application: Application | None = None
        objection: Objection | None = None
        for step, when in plan.steps:
            moment = timeline.at(when)
            if step == "create":
                # The letter is dated some days before it was uploaded, in July or August.
                uploaded = timezone.localtime(moment).date()
                letter_day = min(uploaded, dt.date(plan.programme.year, 8, 20)) - dt.timedelta(days=9)
                letter = _letter(
                    university=plan.university.name,
                    child=plan.child.name,
                    major=plan.major,
                    year=plan.programme.year,
                    day=max(letter_day, dt.date(plan.programme.year, 7, 8)),
                )
                application = services.application_create(
                    programme=plan.programme,
                    officer=officer,
                    child=plan.child,
                    university=plan.university,
                    admission_year=plan.programme.year,
                    actor=officer.user,
                    major=plan.major,
                    letter=letter,
                )
                stamps["created_at"] = moment
                continue
            if step == "create_draft":  # the admission letter is still to be uploaded
                application = services.application_create(
                    programme=plan.programme,
                    officer=officer,
                    child=plan.child,
                    university=plan.university,
                    admission_year=plan.programme.year,
                    actor=officer.user,
                    major=plan.major,
                )
                stamps["created_at"] = moment
                continue
            assert application is not None
            if step == "submit":
                application = services.application_submit(application=application, actor=officer.user)
                stamps["submitted_at"] = stamps["waiting_since"] = moment
            elif step == "withdraw":
                application = services.application_withdraw(
                    application=application, actor=officer.user, reason=WITHDRAW_REASON
                )
            elif step in ("unit_approve", "unit_return"):
                decision, reason = ("approve", "") if step == "unit_approve" else ("return", RETURN_REASON)
                application = services.unit_review(
                    application=application,
                    reviewer=staff.unit_admin_for(officer),
                    decision=decision,
                    reason=reason,
                )
                stamps["waiting_since"] = moment
            elif step in ("welfare_approve", "welfare_reject"):
                decision, reason = ("approve", "") if step == "welfare_approve" else ("reject", REJECT_REASON)
                application = services.welfare_review(
                    application=application, reviewer=staff.office, decision=decision, reason=reason
                )
            elif step == "notice":
                application = services.notice_start(application=application, actor=staff.office)
                # The notice ran from the day it was started: its dates move back before anything that
                # depends on them (an objection during it, the payment after it).
                starts = timezone.localtime(moment).date()
                ends = starts + dt.timedelta(days=plan.programme.notice_days - 1)
                Application.objects.filter(pk=application.pk).update(
                    notice_starts_on=starts, notice_ends_on=ends
                )
                application.refresh_from_db()
            elif step == "object":
                objection = services.objection_lodge(
                    application=application, user=self.objector_for(officer), text=OBJECTION
                )
                Objection.objects.filter(pk=objection.pk).update(lodged_at=moment)
            elif step == "pay":
                application = services.application_pay(application=application, actor=staff.head)
            else:  # pragma: no cover - a typo in a plan
                raise ValueError(step)
            events.append(moment)
        assert application is not None
        self._finish(application, events=events, stamps=stamps, last=timeline.last)
        return application

    def _finish(
        self, application: Application, *, events: list[dt.datetime], stamps: dict, last: dt.datetime
    ) -> None:
        rows = list(
            ApplicationEvent.objects.filter(application=application)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk, moment in zip(rows, events, strict=True):
            ApplicationEvent.objects.filter(pk=pk).update(occurred_at=moment)
        application.refresh_from_db()
        if application.waiting_since is None:
            stamps.pop("waiting_since", None)
        Application.objects.filter(pk=application.pk).update(**stamps, updated_at=last)
        if self.clock.now - last > OLD_NEWS:
            self.settled.append(application.pk)

    def teacher(
        self,
        scholarship: Application,
        *,
        nominate: dt.datetime,
        nominator: User,
        approve: dt.datetime | None = None,
        pay: dt.datetime | None = None,
    ) -> TeacherAward:
        rng = self.clock.rng
        name, school, contact = self.teachers[self.nominated % len(self.teachers)]
        self.nominated += 1
        timeline = _Timeline(self.clock)
        stamps = {"created_at": timeline.at(nominate)}
        award = services.teacher_nominate(
            scholarship=scholarship,
            actor=nominator,
            teacher_name=name,
            school=school,
            class_name=f"高三（{rng.randint(1, 16)}）班",
            contact=contact,
        )
        if approve is not None:
            approver = self.staff.head if nominator == self.staff.office else self.staff.office
            award = services.teacher_decide(award=award, actor=approver, approve=True)
            stamps["decided_at"] = timeline.at(approve)
        if pay is not None:
            award = services.teacher_pay(award=award, actor=self.staff.head)
            timeline.at(pay)
        TeacherAward.objects.filter(pk=award.pk).update(**stamps, updated_at=timeline.last)
        return award


# --- Programmes ----------------------------------------------------------------------------------

SCHOLARSHIP_TEXT = (
    "奖励我局在职民警、辅警当年考入“985工程”“211工程”高校及“双一流”建设高校（普通本科统招）的子女。"
    "奖励标准：985高校每人10000元，211高校每人6000元，“双一流”建设高校每人3000元。"
    "经所在单位初审、爱警办复审，公示5天无异议后发放。"
)
TEACHER_TEXT = (
    "奖励金盾优学奖获奖学生的高三班主任，感谢老师的辛勤培育。由爱警办提名，主任审批。"
    "奖励标准：学生考入985高校的班主任每人2000元，211高校每人1500元，“双一流”建设高校每人1000元。"
)


def _extension(closes: dt.date) -> str:
    return f"因部分新生录取通知书寄达较晚，申请截止日期延长至{closes.year}年{closes.month}月{closes.day}日。"


def _programmes(*, staff: _Staff, clock: _Clock, year: int) -> dict[tuple[str, int], Programme]:
    """Both kinds for last year and this year, created by 王静 in June; this year's deadline extended."""
    today, found = clock.today, {}
    for kind, last_budget, this_budget in BUDGETS:
        scholarship = kind == ProgrammeKind.SCHOLARSHIP
        for y, budget in ((year - 1, last_budget), (year, this_budget)):
            # Last year's scholarship must be open today for its applications to be submitted: it gets
            # its real closing date once they are (``_close_last_year``).
            closes = dt.date(y, 12, 31)
            if scholarship:
                closes = today if y < year else dt.date(y, 9, 30)
            name = "金盾优学奖" if scholarship else "金盾园丁奖"
            programme = services.programme_create(
                actor=staff.head,
                kind=kind,
                year=y,
                budget=budget,
                title=f"{y}年{name}",
                description=SCHOLARSHIP_TEXT if scholarship else TEACHER_TEXT,
                opens_on=dt.date(y, 7, 1),
                closes_on=max(closes, dt.date(y, 7, 1)),
                notice_days=NOTICE_DAYS,
                **(SCHOLARSHIP_AMOUNTS if scholarship else TEACHER_AMOUNTS),
            )
            created = clock.office(dt.date(y, 6, 16))
            updated = created
            if scholarship and y == year:
                extended = today + dt.timedelta(days=14)
                programme = services.programme_update(
                    programme=programme,
                    actor=staff.head,
                    closes_on=extended,
                    description=f"{SCHOLARSHIP_TEXT}{_extension(extended)}",
                )
                updated = max(clock.office(dt.date(y, 9, 25)), created)
            Programme.objects.filter(pk=programme.pk).update(created_at=created, updated_at=updated)
            found[(kind, y)] = programme
    return found


def _close_last_year(programme: Programme) -> None:
    Programme.objects.filter(pk=programme.pk).update(closes_on=dt.date(programme.year, 9, 30))


# --- Plans ---------------------------------------------------------------------------------------


def _universities() -> dict[str, list[tuple[University, tuple[str, ...]]]]:
    """The demo's universities that are on the shipped list, by their best tier."""
    majors = {code: names for tier in UNIVERSITIES.values() for code, names in tier.items()}
    by_tier: dict[str, list[tuple[University, tuple[str, ...]]]] = {}
    for university in University.objects.filter(code__in=list(majors), active=True).order_by("code"):
        if university.tier:
            by_tier.setdefault(university.tier, []).append((university, majors[university.code]))
    return by_tier


def _submitted(clock: _Clock, day: dt.date | int | float) -> list[tuple[str, dt.datetime]]:
    """Filled in and submitted in one sitting."""
    submit = clock.home(day)
    return [("create", submit - dt.timedelta(minutes=clock.rng.randint(6, 25))), ("submit", submit)]


def _submitted_before(clock: _Clock, moment: dt.datetime, days: tuple[int, int]):
    """Submitted some days (``days``: at least, at most) before the first review."""
    day = timezone.localtime(moment).date() - dt.timedelta(days=clock.rng.randint(*days))
    return _submitted(clock, day)


def _paid_steps(
    clock: _Clock, *, batch: dt.date, earliest: dt.date, latest: dt.date
) -> list[tuple[str, dt.datetime]]:
    """Submitted (between ``earliest`` and ``latest``), reviewed, on notice from the batch's Monday for
    five days, paid a week or so later."""
    rng, days = clock.rng, dt.timedelta
    submitted = min(max(batch - days(rng.randint(10, 40)), earliest), latest)
    unit = submitted + days(rng.randint(1, 4))
    welfare = max(min(unit + days(rng.randint(1, 5)), batch - days(3)), unit)
    return [
        *_submitted(clock, submitted),
        ("unit_approve", clock.office(unit)),
        ("welfare_approve", clock.office(welfare)),
        ("notice", _aware(batch, 9, 30)),
        ("pay", clock.office(batch + days(rng.randint(7, 10)))),
    ]


def _this_year_steps(clock: _Clock, state: str, n: int, *, year: int, batches: list[dt.date]):
    """The steps of this year's ``n``-th scholarship in ``state``; recent ones counted in days ago. The
    reviews come first, each on a working day at least so many days ago; the submission before them."""
    rng, office = clock.rng, clock.office
    if state == "paid":
        return _paid_steps(
            clock, batch=batches[n % len(batches)], earliest=dt.date(year, 7, 3), latest=dt.date(year, 9, 30)
        )
    if state in ("in_notice", "on_hold"):
        welfare_days = rng.randint(4, 9)
        welfare, unit = office(welfare_days), office(welfare_days + rng.randint(1, 6))
        steps = [
            *_submitted_before(clock, unit, (1, 4)),
            ("unit_approve", unit),
            ("welfare_approve", welfare),
            ("notice", _aware(clock.today - dt.timedelta(days=2), 9, 30)),  # started two days ago
        ]
        if state == "on_hold":
            steps.append(("object", clock.home(1)))
        return steps
    if state == "approved":  # approved after the last notice started: waits for the next one
        unit = office(rng.randint(10, 17))
        return [
            *_submitted_before(clock, unit, (1, 3)),
            ("unit_approve", unit),
            ("welfare_approve", office(1)),
        ]
    if state == "unit_approved":
        unit = office((1, 3, 6, 8)[n % 4])  # two have waited longer than the reminder threshold
        return [*_submitted_before(clock, unit, (2, 7)), ("unit_approve", unit)]
    if state == "submitted":
        return _submitted(clock, (0.3, 2, 4)[n % 3])
    if state == "returned":
        unit = office(9)
        return [*_submitted_before(clock, unit, (2, 2)), ("unit_return", unit)]
    if state == "rejected":
        unit = office(18)
        return [
            *_submitted_before(clock, unit, (3, 3)),
            ("unit_approve", unit),
            ("welfare_reject", office(6)),
        ]
    if state == "draft":
        return [("create_draft", clock.home(2))]
    if state == "withdrawn":
        return [*_submitted(clock, dt.date(year, 8, 6)), ("withdraw", clock.home(dt.date(year, 8, 12)))]
    raise ValueError(state)


class _Applicants:
    """Chooses the university and the major, then the parent and the child admitted there."""

    def __init__(self, *, families: _Families, universities, rng: random.Random) -> None:
        self.families, self.universities, self.rng = families, universities, rng
        self.tiers = sorted(universities)

    def pick(self, year: int, *, grade: str, within: str | None = None):
        tier = self.rng.choices(self.tiers, weights=[TIER_WEIGHTS.get(t, 1) for t in self.tiers])[0]
        university, majors = self.rng.choice(self.universities[tier])
        found = self.families.child(year=year, school=university.name, grade=grade, within=within)
        if found is None and within:
            found = self.families.child(year=year, school=university.name, grade=grade)
        if found is None:
            return None  # a roster too small for another applicant
        officer, child = found
        return officer, child, university, self.rng.choice(majors)


# --- The seed ------------------------------------------------------------------------------------


def _quiet_old_news(settled: list[int]) -> None:
    """After commit, cancel the messages the services scheduled about decisions long past: nobody would
    be told today that last year's award was paid."""
    for pk in settled:
        reminders.reminders_cancel(subject=f"awards.application:{pk}")


def seed_awards() -> None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["demo_welfare", "demo_care", "demo_unit_admin"])
    }
    if "demo_welfare" not in users or "demo_care" not in users:
        return
    today = timezone.localdate()
    year = admission_year(today)
    if Programme.objects.filter(year__in=[year - 1, year]).exists():
        return  # seeded by an earlier run (or the office runs these years itself)
    needed = sum(last + this for _kind, last, this in BUDGETS)
    if ledger.budget_of(BudgetKind.AWARDS).available < needed:
        return  # the care demo funds the awards sub-budget; without it there is no money to award
    # The ledger's memos and the notifications are written in the bureau's language.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        _seed(users=users, today=today, year=year)


def _seed(*, users: dict[str, User], today: dt.date, year: int) -> None:
    rng = random.Random(SEED)
    clock = _Clock(now=timezone.now(), rng=rng)
    universities = _universities()
    admins = _unit_admins(users.get("demo_unit_admin"))
    officers = _parents(admins, today, rng)
    if not universities or not officers:
        return
    staff = _Staff(head=users["demo_welfare"], office=users["demo_care"], unit_admins=admins)

    def objector_for(applicant: Officer) -> User:
        """An officer of another county bureau (or the city bureau), not an applicant, objects."""
        county = next(path for path in admins if applicant.org_unit.path.startswith(path))
        bystanders = (
            Officer.objects.filter(active=True, user__is_active=True, user__username__startswith="u")
            .exclude(org_unit__path__startswith=county)
            .exclude(pk__in=[parent.officer.pk for parent in families.used])
            .select_related("user")
            .order_by("police_number")
        )
        return rng.choice(list(bystanders[:50]) or [applicant]).user

    families = _Families(officers=officers, rng=rng)
    applicants = _Applicants(families=families, universities=universities, rng=rng)
    teller = _Teller(staff=staff, clock=clock, objector_for=objector_for)
    programmes = _programmes(staff=staff, clock=clock, year=year)

    # The applicants: this year's first; two of those awaiting the unit's review are from 东城分局.
    east = next((path for path in admins if path.rstrip("/").endswith(f"/{EAST}")), None)
    this_year = []
    # One of each state first: a small roster runs out of parents in the extra ones.
    slots = sorted(((state, n) for state, count in THIS_YEAR for n in range(count)), key=lambda slot: slot[1])
    for state, n in slots:
        within = east if state == "submitted" and n < SUBMITTED_FROM_EAST else None
        found = applicants.pick(year, grade="大一", within=within)
        if found is not None:
            this_year.append((state, n, found))
    last_year = [
        found for _n in range(LAST_YEAR_APPLICATIONS) if (found := applicants.pick(year - 1, grade="大二"))
    ]

    # Last year: every scholarship paid after a notice in one of three batches; eight head teachers.
    last = programmes[(ProgrammeKind.SCHOLARSHIP, year - 1)]
    batches = [_monday(dt.date(year - 1, m, d)) for m, d in ((8, 25), (9, 22), (10, 20))]
    paid_last_year = []
    for n, (officer, child, university, major) in enumerate(last_year):
        steps = _paid_steps(
            clock,
            batch=batches[n % len(batches)],
            earliest=dt.date(year - 1, 7, 3),
            latest=dt.date(year - 1, 9, 30),  # before the programme closed
        )
        paid_last_year.append(teller.scholarship(_Plan(last, officer, child, university, major, steps)))
    _close_last_year(last)
    first_nomination = _monday(dt.date(year - 1, 10, 27))
    for n, scholarship in enumerate(rng.sample(paid_last_year, min(LAST_YEAR_TEACHERS, len(paid_last_year)))):
        nominated = first_nomination + dt.timedelta(days=n // 2)
        approved = nominated + dt.timedelta(days=rng.randint(2, 5))
        teller.teacher(
            scholarship,
            nominate=clock.office(nominated),
            nominator=staff.office,
            approve=clock.office(approved),
            pay=clock.office(approved + dt.timedelta(days=rng.randint(3, 7))),
        )

    # This year: every state.
    current = programmes[(ProgrammeKind.SCHOLARSHIP, year)]
    batches = [_monday(dt.date(year, 8, 24)), _monday(dt.date(year, 9, 14))]
    paid_this_year = []
    for state, n, (officer, child, university, major) in this_year:
        steps = _this_year_steps(clock, state, n, year=year, batches=batches)
        application = teller.scholarship(_Plan(current, officer, child, university, major, steps))
        if state == "paid":
            paid_this_year.append(application)
    second = batches[-1]
    for award, scholarship in zip(THIS_YEAR_TEACHERS, paid_this_year, strict=False):
        if award == "paid":
            teller.teacher(
                scholarship,
                nominate=clock.office(second + dt.timedelta(days=10)),
                nominator=staff.office,
                approve=clock.office(second + dt.timedelta(days=14)),
                pay=clock.office(second + dt.timedelta(days=21)),
            )
        elif award == "approved":
            teller.teacher(
                scholarship,
                nominate=clock.office(rng.randint(20, 30)),
                nominator=staff.office,
                approve=clock.office(rng.randint(5, 12)),
            )
        else:  # nominated, awaiting the other one of the two
            by_head = award == "nominated_by_head"
            teller.teacher(
                scholarship,
                nominate=clock.office(1 if by_head else 3),
                nominator=staff.head if by_head else staff.office,
            )
    # Registered after the services' own, so it runs after their messages are scheduled.
    settled = list(teller.settled)
    transaction.on_commit(lambda: _quiet_old_news(settled))
