"""Demo data: a believable city bureau, its officers and their families, and one account per role.

Deterministic (a fixed random seed) and idempotent: units and officers are keyed by code and
police number, and only what is missing is added, so a second run changes nothing. The bulk
of the roster is written with ``bulk_create`` for speed; the demo accounts and their roles go
through the services, so they appear in the audit log like any other grant.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from people import services
from people.models import (
    FamilyMember,
    FamilyRelation,
    Officer,
    OfficerKind,
    OrgUnit,
    OrgUnitKind,
    Role,
    Sex,
    User,
    age_on,
)

SEED = 20261128
# Each feature app adds its demo data after the people exist; each seeder is idempotent.
FEATURE_SEEDERS = (
    "notifications.demo.seed_notifications",
    "health.demo.seed_health",
    "activities.demo.seed_activities",
    "surveys.demo.seed_surveys",
    "care.demo.seed_care",
    "awards.demo.seed_awards",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁凯峰建国志文浩宇俊晨东海亮成龙健博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧琳颖洁倩晶秀兰佳怡欣梅蕾蓉薇萍红悦瑶琪楠"
COUNTIES = (
    "东城分局",
    "西城分局",
    "南湖分局",
    "北山分局",
    "高新区分局",
    "经开区分局",
    "江宁县公安局",
    "清河县公安局",
    "云岭县公安局",
)
PLACES = [
    "城关",
    "新华",
    "人民",
    "解放",
    "和平",
    "建设",
    "胜利",
    "文化",
    "东湖",
    "西湖",
    "南门",
    "北门",
    "江滨",
    "河西",
    "桥头",
    "新城",
    "老城",
    "站前",
    "中山",
    "长安",
    "青年",
    "工农",
    "红旗",
    "光明",
    "幸福",
    "团结",
    "友谊",
    "前进",
    "朝阳",
    "向阳",
    "金山",
    "银湖",
    "龙泉",
    "凤凰",
    "白云",
    "青山",
    "绿水",
    "石桥",
    "柳林",
    "松岗",
    "桃源",
    "杏花",
    "梅岭",
    "竹园",
    "荷塘",
    "兰亭",
    "枫林",
    "柏树",
    "杨柳",
    "槐荫",
    "丰收",
    "太平",
    "永安",
    "长寿",
    "安宁",
    "富民",
    "兴业",
    "振兴",
    "开发",
    "滨江",
    "临港",
    "高桥",
    "双桥",
    "三里",
    "五里",
    "七星",
    "九龙",
    "十里",
    "百花",
    "千岛",
    "万寿",
    "东关",
    "西关",
    "南关",
    "北关",
    "东坝",
    "西坝",
    "南坪",
    "北坪",
    "上街",
    "下街",
    "中街",
    "大营",
    "小营",
    "新村",
    "旧村",
    "河口",
    "湖口",
    "山口",
    "岭南",
    "岭北",
    "江东",
    "江西",
    "城南",
    "城北",
    "城东",
    "城西",
    "花园",
    "公园",
    "学府",
    "科技",
    "物流",
    "工业",
    "商贸",
    "港湾",
    "机场",
    "高铁",
    "新区",
    "老区",
    "古镇",
    "新镇",
    "沙河",
    "白沙",
    "黄沙",
    "青石",
    "红石",
    "金沙",
    "银沙",
    "玉泉",
    "清泉",
    "桂花",
    "海棠",
    "芙蓉",
    "紫荆",
    "碧溪",
    "翠屏",
    "星光",
    "月湖",
    "日升",
    "云台",
]
CENTRE_POSITIONS = ("值班长", "调度员", "指挥员", "研判员")
STATION_POSITIONS = ("所长", "教导员", "副所长", "社区民警", "治安民警", "刑侦民警", "户籍民警", "值班民警")
HQ_POSITIONS = ("科长", "副科长", "科员", "政工干事", "法制员", "警务保障", "宣传干事")
AUX_POSITIONS = ("巡逻辅警", "窗口辅警", "交通辅警", "社区辅警", "文职辅警")
SCHOOLS = {
    "kindergarten": ("市机关幼儿园", "实验幼儿园", "阳光幼儿园"),
    "primary": ("实验小学", "第一小学", "育才小学", "师范附属小学"),
    "junior": ("第一初级中学", "第五中学", "外国语学校"),
    "senior": ("第一中学", "第二中学", "实验中学"),
    "university": (
        "浙江大学",
        "武汉大学",
        "中国人民公安大学",
        "南京大学",
        "四川大学",
        "中山大学",
        "省警察学院",
    ),
}


@dataclass(frozen=True)
class Scale:
    sub_centres: int
    counties: int
    stations_per_county: int
    street_posts: int
    city_staff: int
    centre_staff: int
    county_staff: int
    station_staff: int
    post_staff: int


SCALES = {
    # ~6,000 officers and auxiliaries: the bureau as described in the seed.
    "city": Scale(8, 9, 14, 58, 320, 22, 150, 30, 5),
    # A quick one for tests and a first look: ~100 officers.
    "small": Scale(2, 2, 3, 2, 12, 3, 8, 10, 2),
}


@dataclass
class DemoAccount:
    username: str
    police_number: str | None
    name: str
    sex: str
    unit_code: str
    position: str
    role: str | None
    role_unit_code: str | None


DEMO_ACCOUNTS = (
    DemoAccount("demo_officer", "100001", "陈志远", Sex.MALE, "X01-P01", "社区民警", None, None),
    DemoAccount(
        "demo_unit_admin", "100002", "刘晓梅", Sex.FEMALE, "X01", "政工科科长", Role.UNIT_ADMIN, "X01"
    ),
    DemoAccount("demo_welfare", "100003", "王静", Sex.FEMALE, "C", "爱警办主任", Role.WELFARE_OFFICE, "C"),
    DemoAccount("demo_health", "100004", "赵明华", Sex.MALE, "C", "健康管理员", Role.HEALTH_STAFF, "C"),
    DemoAccount("demo_leader", "100005", "孙建国", Sex.MALE, "C", "副局长", Role.LEADER, "C"),
    DemoAccount(
        "demo_adviser", "100006", "吴文清", Sex.FEMALE, "C", "名医顾问（心内科）", Role.HEALTH_ADVISER, "C"
    ),
    DemoAccount("demo_care", "100007", "赵敏", Sex.FEMALE, "C", "爱警办干事", Role.WELFARE_OFFICE, "C"),
    DemoAccount("demo_admin", None, "", Sex.MALE, "C", "", Role.SYSADMIN, "C"),
    DemoAccount("demo_auditor", None, "", Sex.FEMALE, "C", "", Role.AUDITOR, "C"),
)


@dataclass
class SeedReport:
    units_created: int = 0
    officers_created: int = 0
    family_created: int = 0
    accounts_created: list[str] = field(default_factory=list)


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self, sex: str, surname: str | None = None) -> str:
        pool = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
        given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.7 else "")
        return (surname or self.rng.choice(SURNAMES)) + given


def _unit_plan(scale: Scale) -> list[tuple[str, str, str, str | None, int]]:
    """(code, name, kind, parent code, sort order) for every unit, parents first."""
    plan = [
        ("C", "市公安局", OrgUnitKind.CITY_BUREAU, None, 0),
        ("C-ZH", "指挥中心", OrgUnitKind.CENTRE, "C", 1),
    ]
    for i in range(1, scale.sub_centres + 1):
        plan.append((f"C-ZH-{i:02d}", f"第{i}指挥分中心", OrgUnitKind.CENTRE, "C-ZH", i))
    places = iter(PLACES)
    stations = []
    for c in range(1, scale.counties + 1):
        county = f"X{c:02d}"
        plan.append((county, COUNTIES[c - 1], OrgUnitKind.COUNTY_BUREAU, "C", 10 + c))
        for s in range(1, scale.stations_per_county + 1):
            code = f"{county}-P{s:02d}"
            place = next(places)
            plan.append((code, f"{place}派出所", OrgUnitKind.POLICE_STATION, county, s))
            stations.append((code, place))
    for p in range(scale.street_posts):
        station_code, place = stations[p % len(stations)]
        n = p // len(stations) + 1
        plan.append(
            (
                f"{station_code}-W{n}",
                f"{place}街面警务站{n if n > 1 else ''}",
                OrgUnitKind.STREET_POST,
                station_code,
                n,
            )
        )
    return plan


def _staffing(scale: Scale, unit: OrgUnit) -> tuple[int, float, tuple[str, ...]]:
    """How many people a unit has, the share of auxiliaries, and the positions they hold."""
    return {
        OrgUnitKind.CITY_BUREAU: (scale.city_staff, 0.15, HQ_POSITIONS),
        OrgUnitKind.CENTRE: (scale.centre_staff, 0.3, CENTRE_POSITIONS),
        OrgUnitKind.COUNTY_BUREAU: (scale.county_staff, 0.2, HQ_POSITIONS),
        OrgUnitKind.POLICE_STATION: (scale.station_staff, 0.45, STATION_POSITIONS),
        OrgUnitKind.STREET_POST: (scale.post_staff, 0.7, STATION_POSITIONS[3:]),
    }[unit.kind]


def _school_for(age: int, rng: random.Random) -> tuple[str, str]:
    if age < 3:
        return "", ""
    if age < 6:
        return rng.choice(SCHOOLS["kindergarten"]), ("小班", "中班", "大班")[min(age - 3, 2)]
    if age < 12:
        return rng.choice(SCHOOLS["primary"]), "一二三四五六"[age - 6] + "年级"
    if age < 15:
        return rng.choice(SCHOOLS["junior"]), ("初一", "初二", "初三")[age - 12]
    if age < 18:
        return rng.choice(SCHOOLS["senior"]), ("高一", "高二", "高三")[age - 15]
    if age < 22:
        return rng.choice(SCHOOLS["university"]), ("大一", "大二", "大三", "大四")[age - 18]
    return "", ""


def _family_for(officer: Officer, rng: random.Random, names: _Names, today: dt.date) -> list[FamilyMember]:
    members = []
    age = age_on(officer.birth_date, today)
    surname = officer.name[0]
    if age >= 26 and rng.random() < 0.82:
        spouse_sex = Sex.FEMALE if officer.sex == Sex.MALE else Sex.MALE
        spouse_born = officer.birth_date + dt.timedelta(days=rng.randint(-4 * 365, 4 * 365))
        members.append(
            FamilyMember(
                officer=officer,
                relation=FamilyRelation.SPOUSE,
                name=names.person(spouse_sex),
                sex=spouse_sex,
                birth_date=min(spouse_born, today - dt.timedelta(days=20 * 365)),
            )
        )
        children = rng.choices((0, 1, 2, 3), weights=(12, 55, 30, 3))[0] if age >= 27 else 0
        first_child_at = rng.randint(25, 33)
        for k in range(children):
            child_age = age - first_child_at - k * rng.randint(2, 6)
            if child_age < 0:
                break
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            born = today - dt.timedelta(days=child_age * 365 + rng.randint(0, 364))
            school, grade = _school_for(age_on(born, today), rng)
            members.append(
                FamilyMember(
                    officer=officer,
                    relation=FamilyRelation.CHILD,
                    name=names.person(sex, surname),
                    sex=sex,
                    birth_date=born,
                    school=school,
                    grade=grade,
                )
            )
    for parent_sex in (Sex.MALE, Sex.FEMALE):
        if rng.random() < 0.3:
            born = officer.birth_date - dt.timedelta(days=rng.randint(22, 34) * 365)
            members.append(
                FamilyMember(
                    officer=officer,
                    relation=FamilyRelation.PARENT,
                    name=names.person(parent_sex, surname if parent_sex == Sex.MALE else None),
                    sex=parent_sex,
                    birth_date=born,
                )
            )
    return members


def _officer_for(
    unit: OrgUnit, number: int, rng: random.Random, names: _Names, today: dt.date, staffing
) -> tuple[User, Officer]:
    _count, aux_share, positions = staffing
    auxiliary = rng.random() < aux_share
    sex = Sex.MALE if rng.random() < (0.82 if not auxiliary else 0.7) else Sex.FEMALE
    age = rng.randint(22, 58) if not auxiliary else rng.randint(20, 50)
    born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    joined_age = rng.randint(21, min(age, 30)) if age > 21 else 20
    joined = born + dt.timedelta(days=joined_age * 365 + rng.randint(0, 300))
    joined = min(joined, today - dt.timedelta(days=30))
    police_number = f"F{number:06d}" if auxiliary else f"{number:06d}"
    user = User(username=f"u{police_number.lower()}", email=f"u{police_number.lower()}@gaj.local")
    user.set_unusable_password()
    officer = Officer(
        police_number=police_number,
        name=names.person(sex),
        sex=sex,
        birth_date=born,
        kind=OfficerKind.AUXILIARY if auxiliary else OfficerKind.POLICE,
        org_unit=unit,
        position=rng.choice(AUX_POSITIONS if auxiliary else positions),
        joined_police_on=joined,
        mobile=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
        active=rng.random() > 0.01,
    )
    return user, officer


def _seed_units(scale: Scale, report: SeedReport) -> dict[str, OrgUnit]:
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    for code, name, kind, parent_code, order in _unit_plan(scale):
        if code in units:
            continue
        units[code] = services.org_unit_create(
            kind=kind,
            code=code,
            name=name,
            parent=units[parent_code] if parent_code else None,
            sort_order=order,
        )
        report.units_created += 1
    return units


def _seed_roster(scale: Scale, units: dict[str, OrgUnit], report: SeedReport) -> None:
    rng = random.Random(SEED)
    names = _Names(rng)
    today = timezone.localdate()
    existing = set(Officer.objects.values_list("police_number", flat=True))
    new_users: list[User] = []
    new_officers: list[Officer] = []
    number = 200_000
    for code, *_rest in _unit_plan(scale):
        unit = units[code]
        staffing = _staffing(scale, unit)
        for _i in range(staffing[0]):
            number += 1
            user, officer = _officer_for(unit, number, rng, names, today, staffing)
            if officer.police_number in existing:
                continue
            new_users.append(user)
            new_officers.append(officer)
    if not new_officers:
        return
    User.objects.bulk_create(new_users, batch_size=1000)
    user_ids = dict(
        User.objects.filter(username__in=[u.username for u in new_users]).values_list("username", "id")
    )
    for user, officer in zip(new_users, new_officers, strict=True):
        officer.user_id = user_ids[user.username]
    Officer.objects.bulk_create(new_officers, batch_size=1000)
    created = Officer.objects.filter(police_number__in=[o.police_number for o in new_officers])
    family: list[FamilyMember] = []
    family_rng = random.Random(SEED + 1)
    family_names = _Names(family_rng)
    for officer in created.order_by("police_number"):
        family.extend(_family_for(officer, family_rng, family_names, today))
    FamilyMember.objects.bulk_create(family, batch_size=2000)
    report.officers_created += len(new_officers)
    report.family_created += len(family)


def _seed_demo_accounts(units: dict[str, OrgUnit], report: SeedReport) -> None:
    password_hash = make_password(settings.DEMO_PASSWORD)
    today = timezone.localdate()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            if account.police_number:
                born = dt.date(1986 if account.role is None else 1978, 5, 17)
                officer = services.officer_create(
                    username=account.username,
                    police_number=account.police_number,
                    name=account.name,
                    sex=account.sex,
                    birth_date=born,
                    org_unit=units[account.unit_code],
                    joined_police_on=dt.date(born.year + 23, 8, 1),
                    position=account.position,
                    mobile="13800000000",
                    email=f"{account.username}@gaj.local",
                )
                user = officer.user
            else:
                user = User.objects.create(username=account.username, email=f"{account.username}@gaj.local")
            # The same hash for every demo account: hashing is deliberately slow.
            User.objects.filter(pk=user.pk).update(password=password_hash)
            report.accounts_created.append(account.username)
            if account.username == "demo_officer":
                _demo_officer_family(user.officer, today)
            elif account.police_number:
                _demo_staff_family(user.officer, today)
        if account.role:
            services.role_assign(
                user=user, role=account.role, org_unit=units[account.role_unit_code], actor=None
            )


def _demo_staff_family(officer: Officer, today: dt.date) -> None:
    """The other demo officers get an ordinary generated family, so every home page has one."""
    rng = random.Random(SEED + int(officer.police_number))
    for member in _family_for(officer, rng, _Names(rng), today):
        services.family_member_add(
            officer=officer,
            relation=member.relation,
            name=member.name,
            sex=member.sex,
            birth_date=member.birth_date,
            school=member.school,
            grade=member.grade,
            actor=officer.user,
        )


def _demo_officer_family(officer: Officer, today: dt.date) -> None:
    """The demo officer's family shows every later feature: a child in 高三 (awards), a young one (activities)."""
    senior_born = dt.date(today.year - 17, 3, 9) if today.month >= 9 else dt.date(today.year - 18, 3, 9)
    primary_born = dt.date(today.year - 9, 10, 2)
    members = (
        (FamilyRelation.SPOUSE, "林婉清", Sex.FEMALE, dt.date(1988, 2, 14), "", ""),
        (FamilyRelation.CHILD, "陈思源", Sex.MALE, senior_born, "第一中学", "高三"),
        (
            FamilyRelation.CHILD,
            "陈可欣",
            Sex.FEMALE,
            primary_born,
            "实验小学",
            _school_for(age_on(primary_born, today), random.Random(0))[1],
        ),
        (FamilyRelation.PARENT, "陈德福", Sex.MALE, dt.date(1958, 6, 30), "", ""),
    )
    for relation, name, sex, born, school, grade in members:
        services.family_member_add(
            officer=officer,
            relation=relation,
            name=name,
            sex=sex,
            birth_date=born,
            school=school,
            grade=grade,
            actor=officer.user,
        )


@transaction.atomic
def seed_demo(*, scale: str = "small") -> SeedReport:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    report = SeedReport()
    units = _seed_units(SCALES[scale], report)
    _seed_roster(SCALES[scale], units, report)
    _seed_demo_accounts(units, report)
    for seeder in FEATURE_SEEDERS:
        import_string(seeder)()
    return report
