"""Demo data for care: the love-police fund with a year of money in and out, and requests in every state.

- 王静 (demo_welfare, 爱警办主任) becomes a head of the welfare office over the city; 赵敏 (demo_care)
  handles most requests; 刘晓梅 (demo_unit_admin) handles one of 东城分局's.
- The fund: 30,000,000.00 from 市财政及社会捐赠 at the start of the year, allocated to the five
  sub-budgets (1,000,000.00 left unallocated), two directed donations, and payments for activities,
  health and other purposes spread over the months so the spending chart has bars.
- About forty requests of this year from across the city in every category (mostly major illness,
  schooling and family hardship) and every state: most closed with a rating, some resolved, in
  progress, accepted, returned, withdrawn or just submitted, three of them overdue, four confidential.
  Major-illness cases carry referrals, expert appointments and follow-ups with their dates, and grants:
  small ones approved by the handler, larger ones approved by 王静 as the second approver.
- Twenty-five major-illness requests of last year, closed, so the "officers helped" headline has two years.
- The demo officer (陈志远) has a closed, rated schooling request from the spring and a family-hardship
  request in progress with notes he can see, one internal note he cannot, and an approved grant.

Every write goes through care/services.py and care/fund.py. The services stamp everything "now", so a
request's history is moved back afterwards: its timeline rows, its own timestamps and its grants' dates
are set with queryset updates (``_Story.finish``). Fund entries are append-only and are never touched:
the direct payments are booked on past dates through the ledger's ``booked_on``; grants are paid
through services.grant_pay, which books today.

Idempotent: when the launch donation's idempotency key is in the ledger, a second run changes nothing
(seed_demo runs in one transaction, so the care data is either all there or none).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation

from care import fund as ledger
from care import services
from care.models import (
    WAITING_ON_OFFICE,
    ActionKind,
    BudgetKind,
    CareEvent,
    CareGrant,
    CareRequest,
    Category,
    FundEntry,
    GrantStatus,
    Status,
)
from care.workdays import add_working_days
from notifications import services as reminders
from people import services as people_services
from people.models import Officer, OrgUnit, Role, User

SEED = 20261201
LAUNCH_KEY = "demo-care:donation:launch"
LAUNCH_DONOR = "市财政及社会捐赠（爱警基金启动资金）"
ALLOCATIONS = (
    (BudgetKind.AWARDS, "6000000.00"),
    (BudgetKind.CARE_GRANTS, "15000000.00"),
    (BudgetKind.ACTIVITIES, "3000000.00"),
    (BudgetKind.HEALTH, "4000000.00"),
    (BudgetKind.OTHER, "1000000.00"),
)
# (donor, amount, sub-budget, month, day): directed donations, so 1,000,000.00 stays unallocated.
DONATIONS = (
    ("某企业捐赠", "500000.00", BudgetKind.CARE_GRANTS, 3, 12),
    ("市慈善总会定向捐赠", "200000.00", BudgetKind.HEALTH, 6, 1),
)
# (sub-budget, payee, what for, amount, month, day): paid straight from the sub-budget on that date.
PAYMENTS = (
    (BudgetKind.OTHER, "各分局（代发）", "春节走访慰问困难民警家庭", "186000.00", 2, 5),
    (BudgetKind.ACTIVITIES, "市青少年宫", "亲子活动场地费（亲子绘画）", "12000.00", 3, 20),
    (BudgetKind.HEALTH, "市第一人民医院体检中心", "体检项目补贴（第一批）", "420000.00", 4, 8),
    (BudgetKind.ACTIVITIES, "市职工之家", "夫妻花艺活动材料费", "8600.00", 4, 22),
    (BudgetKind.ACTIVITIES, "滨江绿道管理处", "春季家庭健步走场地及保障", "15000.00", 5, 16),
    (BudgetKind.HEALTH, "市第一人民医院体检中心", "体检项目补贴（第二批）", "380000.00", 6, 12),
    (BudgetKind.OTHER, "市总工会", "夏季送清凉慰问品", "48000.00", 7, 3),
    (BudgetKind.ACTIVITIES, "市青少年宫", "亲子活动场地费（暑期）", "18000.00", 7, 15),
    (BudgetKind.HEALTH, "市心理卫生中心", "心理健康讲座与团体辅导", "36000.00", 8, 19),
    (BudgetKind.ACTIVITIES, "东城分局", "家庭趣味运动会补助", "25000.00", 9, 10),
    (BudgetKind.HEALTH, "省人民医院", "名医顾问门诊补贴", "60000.00", 10, 9),
    (BudgetKind.ACTIVITIES, "市职工之家", "亲子活动场地费", "9800.00", 10, 24),
    (BudgetKind.ACTIVITIES, "市青少年宫", "亲子活动场地费（亲子绘画）", "12000.00", 11, 14),
)
HOSPITALS = ("市第一人民医院", "省人民医院", "省肿瘤医院", "市中医院", "省儿童医院")
COMMENTS = {
    5: (
        "非常感谢组织的关心和帮助！",
        "爱警办办事效率高，解决了家里的大难题。",
        "感谢组织，全家都很感动。",
        "",
    ),
    4: ("总体满意，感谢帮助。", "办理比较及时，谢谢。", ""),
    3: ("问题解决了，但等待时间有点长。", ""),
}


@dataclass(frozen=True)
class Case:
    title: str
    description: str
    amount: str | None = None


CASES = {
    Category.MAJOR_ILLNESS: (
        Case(
            "本人确诊肺癌需转院手术",
            "体检发现肺部结节，经市一院确诊为早期肺癌，需转至省肿瘤医院手术，请求协调床位与专家。",
            "30000",
        ),
        Case(
            "爱人乳腺癌术后化疗费用困难",
            "爱人确诊乳腺癌，已完成手术，后续需6个疗程化疗，自付部分费用较高，申请大病帮扶。",
            "40000",
        ),
        Case(
            "父亲突发脑梗住院",
            "父亲突发脑梗，在县医院抢救后需转市级医院康复治疗，请求协调床位和康复专家。",
            None,
        ),
        Case(
            "儿子白血病治疗费用",
            "儿子确诊急性淋巴细胞白血病，在省儿童医院治疗，医疗费用压力很大，申请救助。",
            "50000",
        ),
        Case(
            "本人冠心病需介入手术",
            "值班时胸痛入院，诊断为冠心病三支病变，需尽快安排介入手术，请求协调专家。",
            None,
        ),
        Case(
            "母亲尿毒症长期透析", "母亲尿毒症每周透析三次，家庭负担重，申请帮扶并协调就近透析床位。", "20000"
        ),
        Case(
            "本人腰椎间盘突出需手术",
            "长期值班久坐，腰椎间盘突出压迫神经，需手术治疗，请求协调专家会诊。",
            "10000",
        ),
        Case(
            "爱人高危妊娠需专家会诊", "爱人孕28周，妊娠期高血压，医生建议转上级医院产科，请求协调专家。", None
        ),
        Case(
            "本人甲状腺癌术后治疗",
            "体检发现甲状腺肿物，确诊甲状腺乳头状癌，需手术及后续碘-131治疗。",
            "20000",
        ),
        Case(
            "岳母胃癌晚期治疗",
            "岳母确诊胃癌晚期，家中无其他子女照料，医疗和陪护费用较高，申请帮扶。",
            "30000",
        ),
        Case(
            "本人出警受伤后遗症治疗",
            "去年出警时膝关节受伤，现半月板损伤加重，需关节镜手术，请求协调运动医学专家。",
            None,
        ),
    ),
    Category.SCHOOLING: (
        Case("孩子小升初学位协调", "因长期在基层所工作，孩子户籍与居住地不一致，小升初学位需协调。", None),
        Case("女儿入园困难", "女儿3岁，附近公办幼儿园学位紧张，夫妻双方均为一线民警，请求协调入园。", None),
        Case("调动后子女转学", "本人从县局调至市局工作，孩子需从县城小学转入市区学校就读。", None),
        Case("双警家庭课后托管", "夫妻都是一线民警，值班时孩子放学无人照看，希望协调课后托管服务。", None),
        Case("孩子高中寄宿申请", "本人长期驻所，孩子升入高中后希望申请寄宿，请求协调学校。", None),
        Case("烈士子女入学优待", "本人为因公牺牲民警家属，孩子今年入学，申请落实优待政策。", None),
        Case("子女就近入学协调", "新分配到派出所工作，孩子需在辖区附近小学就读，请求协调。", None),
        Case("孩子特殊教育需求", "孩子有轻度读写障碍，希望协调有资源教室的学校就读。", None),
    ),
    Category.HARDSHIP: (
        Case("家中老房失火", "老家房屋失火，财物损失较重，父母暂住亲戚家，申请临时困难救助。", "10000"),
        Case(
            "爱人失业家庭收入骤减",
            "爱人所在企业停产，家庭收入骤减，还有房贷和两个孩子上学，申请帮扶。",
            "5000",
        ),
        Case("父母年迈多病需照料", "父母均年过八旬，多病需长期照料，本人经常值班，希望协调养老服务。", None),
        Case("暴雨致老家房屋受损", "7月暴雨导致老家房屋漏水坍塌，需修缮，申请困难救助。", "8000"),
        Case("单亲家庭生活困难", "离异后独自抚养孩子，工资收入有限，孩子近期住院，生活比较困难。", "5000"),
        Case("家属因车祸致残", "爱人遭遇车祸致残，需长期康复，家庭负担沉重，申请困难帮扶。", "20000"),
        Case("辅警家庭临时困难", "本人为辅警，父亲重病花去全部积蓄，申请临时困难补助。", "3000"),
        Case("子女大学学费困难", "孩子考入外地大学，学费和生活费一时凑不齐，申请临时帮扶。", "5000"),
    ),
    Category.RIGHTS: (
        Case(
            "执法中被诬告需法律支持",
            "处置纠纷时被当事人投诉并在网上发布不实视频，请求组织澄清并提供法律支持。",
            None,
        ),
        Case(
            "出警被咬伤对方拒绝赔偿",
            "出警时被醉酒人员咬伤，需就医打疫苗，对方拒绝承担费用，请求法律援助。",
            None,
        ),
        Case("民警名誉权受侵害", "个人信息和照片被人在网上恶意散布并辱骂，请求组织依法维权。", None),
    ),
    Category.HOUSING: (
        Case("新警租房困难", "新入警，在市区无住房，租房成本高，希望申请周转房。", None),
        Case("老旧小区房屋漏水维修", "所住警察公寓为老旧小区，屋顶漏水严重，物业无力维修，请求协调。", None),
        Case("两地分居希望调整住房", "爱人随调来市，现住单身宿舍，希望调整为家庭周转房。", None),
    ),
    Category.MENTAL_HEALTH: (
        Case("长期失眠情绪低落", "近半年连续参与专案侦办，长期失眠、情绪低落，希望得到专业心理疏导。", None),
        Case(
            "处置恶性事件后心理不适", "参与处置一起恶性案件后经常做噩梦、心慌，希望获得专业心理帮助。", None
        ),
        Case("家庭矛盾导致情绪困扰", "近期家庭矛盾较多，工作中注意力难以集中，希望有人倾诉和指导。", None),
    ),
    Category.OTHER: (
        Case("申请参加疗休养", "连续三年未休年假，身体疲惫，申请参加今年的民警疗休养。", None),
        Case("家属随迁就业咨询", "爱人随迁来市，希望了解家属就业帮扶政策和渠道。", None),
    ),
}
OUTCOMES = {
    Category.MAJOR_ILLNESS: (
        "已协调转院并顺利完成手术，发放大病救助金，持续回访中，恢复良好。",
        "已协调专家会诊并安排住院治疗，病情稳定，救助金已发放。",
        "已协调床位和康复治疗，目前已出院居家康复，将定期回访。",
    ),
    Category.SCHOOLING: (
        "已与教育部门协调，孩子已正常入学。",
        "已协调落实学位，孩子已于本学期开学入读。",
        "已协调学校和社区，落实课后托管服务。",
    ),
    Category.HARDSHIP: (
        "已发放临时困难补助，并协调社区提供帮扶。",
        "经核实已发放困难补助，单位党支部结对帮扶。",
    ),
    Category.RIGHTS: (
        "已协调公职律师提供法律支持，相关问题已依法处理。",
        "督察部门已出具情况说明并公开澄清，维权工作已完成。",
    ),
    Category.HOUSING: ("已协调安排周转房，本月入住。", "已协调后勤部门完成维修。"),
    Category.MENTAL_HEALTH: (
        "已完成8次专业心理咨询，睡眠和情绪明显好转，将继续回访。",
        "已安排心理专家一对一辅导，目前状态稳定。",
    ),
    Category.OTHER: ("已纳入本年度疗休养名单。", "已介绍家属就业帮扶渠道，并推荐岗位。"),
}
# (kind, text, days from the step to the date it happens on, or None): what handlers do, per category.
ACTIONS = {
    Category.MAJOR_ILLNESS: (
        (ActionKind.CALL, "电话了解病情和治疗安排，登记家庭情况。", None),
        (ActionKind.REFERRAL, "已联系{hospital}，协调床位，安排入院。", 3),
        (ActionKind.APPOINTMENT, "已预约{hospital}专家会诊。", 6),
        (ActionKind.VISIT, "爱警办与所在单位领导到医院看望慰问。", None),
        (ActionKind.FOLLOW_UP, "电话回访，了解治疗和恢复情况。", 14),
    ),
    Category.SCHOOLING: (
        (ActionKind.CALL, "已与区教育局沟通，说明民警子女入学需求。", None),
        (ActionKind.VISIT, "陪同家长到学校了解入学手续。", None),
    ),
    Category.HARDSHIP: (
        (ActionKind.CALL, "电话了解家庭困难情况，已登记。", None),
        (ActionKind.VISIT, "爱警办与所在单位上门走访慰问。", None),
    ),
    Category.RIGHTS: (
        (ActionKind.CALL, "已了解事件经过，收集相关材料。", None),
        (ActionKind.LEGAL, "已联系公职律师提供法律咨询。", 2),
    ),
    Category.HOUSING: (
        (ActionKind.CALL, "已了解住房情况，与后勤保障部门沟通。", None),
        (ActionKind.VISIT, "到现场查看住房情况。", None),
    ),
    Category.MENTAL_HEALTH: (
        (ActionKind.CALL, "电话沟通，了解近期状况。", None),
        (ActionKind.APPOINTMENT, "已预约市心理卫生中心专家，每周一次心理咨询。", 4),
        (ActionKind.FOLLOW_UP, "回访，状态有所好转。", 21),
    ),
    Category.OTHER: ((ActionKind.CALL, "电话了解需求，已登记。", None),),
}
INTERNAL_NOTES = (
    "已与所在单位政工部门核实情况属实。",
    "家属情绪不稳定，回访时注意方式。",
    "该同志此前未申请过帮扶，情况属实。",
)
# Every case of this year but the demo officer's: (category, state, confidential). Three are overdue.
PLAN = (
    *[(Category.MAJOR_ILLNESS, "closed", False)] * 6,
    (Category.MAJOR_ILLNESS, "resolved", False),
    (Category.MAJOR_ILLNESS, "in_progress_awaiting_head", False),
    (Category.MAJOR_ILLNESS, "in_progress", False),
    (Category.MAJOR_ILLNESS, "accepted_overdue", False),
    (Category.MAJOR_ILLNESS, "submitted_overdue", False),
    *[(Category.SCHOOLING, "closed", False)] * 5,
    (Category.SCHOOLING, "resolved", False),
    (Category.SCHOOLING, "in_progress", False),
    (Category.SCHOOLING, "submitted", False),
    *[(Category.HARDSHIP, "closed", False)] * 4,
    (Category.HARDSHIP, "returned", False),
    (Category.HARDSHIP, "withdrawn", False),
    (Category.HARDSHIP, "in_progress_unit", False),
    (Category.HARDSHIP, "submitted_overdue", False),
    (Category.RIGHTS, "closed", False),
    (Category.RIGHTS, "closed", True),
    (Category.RIGHTS, "accepted", False),
    (Category.HOUSING, "closed", False),
    (Category.HOUSING, "returned", False),
    (Category.HOUSING, "withdrawn_accepted", False),
    (Category.MENTAL_HEALTH, "closed", True),
    (Category.MENTAL_HEALTH, "in_progress", True),
    (Category.MENTAL_HEALTH, "resolved", True),
    (Category.OTHER, "closed", False),
    (Category.OTHER, "submitted", False),
)
LAST_YEAR_MAJOR_ILLNESS = 25
EAST = "X01"  # 东城分局: 刘晓梅's subtree


@dataclass(frozen=True)
class _Staff:
    head: User  # 王静: a head of the welfare office, the second approver of large grants
    office: User  # 赵敏: handles most requests, approves small grants, pays
    unit_admin: User | None  # 刘晓梅, 东城分局


@dataclass
class _Plan:
    """One request to tell: who asks, what, and how far it has come; ``submitted`` is in days ago."""

    officer: Officer
    category: str
    case: Case
    state: str
    submitted: float
    confidential: bool = False
    at: dt.datetime | None = None  # the moment it was submitted, set before the requests are told


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _time(days_ago: float, *, now: dt.datetime, rng: random.Random, office: bool) -> dt.datetime:
    """A believable time ``days_ago`` days back (below one: hours back). The office works on working
    days in office hours; officers write at any hour."""
    if days_ago < 1:
        return now - dt.timedelta(hours=days_ago * 24)
    today = timezone.localtime(now).date()
    day = today - dt.timedelta(days=int(days_ago))
    if office:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        while day > today or day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        hour = rng.choice((8, 9, 10, 11, 14, 15, 16, 17))
    else:
        hour = rng.choice((7, 12, 19, 20, 21, 22))
    return min(_aware(day, hour, rng.randrange(0, 60, 5)), now - dt.timedelta(minutes=5))


def _last_event_pk() -> int:
    return CareEvent.objects.aggregate(last=Max("pk"))["last"] or 0


class _Story:
    """One request told through the services, each step then moved back to the moment it happened.

    Steps take "days ago" (fractions below one are hours ago). The services stamp every step "now";
    ``finish`` moves the request's timeline rows, its timestamps and its grants' dates to the planned
    moments, and sets the service level from the step that last set it, counting the same working
    days the services count.
    """

    def __init__(self, *, rng: random.Random, now: dt.datetime, staff: _Staff, handler: User) -> None:
        self.rng, self.now, self.staff, self.handler = rng, now, staff, handler
        self.today = timezone.localtime(now).date()
        self.care: CareRequest | None = None
        self.last: dt.datetime | None = None
        self.steps: list[tuple[int, dt.datetime]] = []  # (the last event id before the step, its moment)
        self.grants: dict[int, dict[str, dt.datetime]] = {}
        self.stamps: dict[str, dt.datetime | str] = {}
        self.due_from: tuple[dt.datetime, int] | None = None

    def _moment(self, days_ago: float, *, office: bool) -> dt.datetime:
        """The step's time, after the one before and not in the future."""
        moment = _time(days_ago, now=self.now, rng=self.rng, office=office)
        if self.last is not None and moment <= self.last:
            moment = self.last + dt.timedelta(minutes=self.rng.randint(20, 90))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _step(self, days_ago: float | dt.datetime, call, *, office: bool = True):
        moment = days_ago if isinstance(days_ago, dt.datetime) else self._moment(days_ago, office=office)
        before = _last_event_pk()
        result = call()
        self.steps.append((before, moment))
        self.last = moment
        return result

    # --- the steps, each through its service ---

    def submit(self, plan: _Plan, *, by: User | None = None) -> _Story:
        case = plan.case
        self.care = self._step(
            plan.at,
            lambda: services.request_submit(
                officer=plan.officer,
                submitted_by=by or plan.officer.user,
                category=plan.category,
                title=case.title,
                description=case.description,
                confidential=plan.confidential,
                amount_requested=Decimal(case.amount) if case.amount else None,
            ),
            office=by is not None,
        )
        self.stamps["submitted_at"] = self.last
        self.due_from = (self.last, settings.CARE_FIRST_RESPONSE_WORKING_DAYS)
        return self

    def accept(self, days_ago: float, *, actor: User) -> _Story:
        self.care = self._step(
            days_ago, lambda: services.request_accept(request=self.care, handler=self.handler, actor=actor)
        )
        self.stamps["accepted_at"] = self.last
        self.due_from = (self.last, settings.CARE_FIRST_RESPONSE_WORKING_DAYS)
        return self

    def act(self, days_ago: float, kind: str, text: str, *, visible=True, on_in: int | None = None) -> _Story:
        """An action; ``on_in``: it happens that many days after it is written down (an appointment)."""
        starts_work = self.care.status == Status.ACCEPTED
        on = self.today - dt.timedelta(days=int(days_ago) - on_in) if on_in is not None else None
        self._step(
            days_ago,
            lambda: services.action_add(
                request=self.care,
                actor=self.handler,
                kind=kind,
                text=text,
                visible_to_officer=visible,
                scheduled_for=on,
            ),
        )
        self.care.refresh_from_db()
        if starts_work:
            self.due_from = (self.last, settings.CARE_RESOLUTION_WORKING_DAYS)
        return self

    def grant(
        self,
        days_ago: float,
        amount: str,
        purpose: str,
        *,
        approve_after: float | None = 1,
        pay_after: float | None = None,
    ) -> CareGrant:
        """Propose; what the proposer may not approve alone is approved ``approve_after`` days later by
        王静 (above the threshold) or 赵敏 (a unit admin's); paid ``pay_after`` days after the proposal."""
        grant = self._step(
            days_ago,
            lambda: services.grant_propose(
                request=self.care, actor=self.handler, amount=amount, purpose=purpose
            ),
        )
        times = {"created_at": self.last, "updated_at": self.last}
        if grant.status == GrantStatus.APPROVED:
            times["decided_at"] = self.last
        elif approve_after is not None:
            approver = self.staff.head if grant.needs_second_approval else self.staff.office
            grant = self._step(
                days_ago - approve_after, lambda: services.grant_approve(grant=grant, actor=approver)
            )
            times["decided_at"] = times["updated_at"] = self.last
        if pay_after is not None and grant.status == GrantStatus.APPROVED:
            grant = self._step(
                days_ago - pay_after, lambda: services.grant_pay(grant=grant, actor=self.staff.office)
            )
            times["updated_at"] = self.last
        self.grants[grant.pk] = times
        self.care.refresh_from_db()
        return grant

    def give_back(self, days_ago: float, reason: str) -> _Story:
        self.care = self._step(
            days_ago, lambda: services.request_return(request=self.care, actor=self.handler, reason=reason)
        )
        self.due_from = None
        return self

    def resolve(self, days_ago: float, outcome: str) -> _Story:
        self.care = self._step(
            days_ago, lambda: services.request_resolve(request=self.care, actor=self.handler, outcome=outcome)
        )
        self.stamps["resolved_at"] = self.last
        self.due_from = None
        return self

    def rate(self, days_ago: float, *, rating: int | None = None, comment: str | None = None) -> _Story:
        rating = rating or self.rng.choices((5, 4, 3), weights=(62, 30, 8))[0]
        comment = self.rng.choice(COMMENTS[rating]) if comment is None else comment
        officer = self.care.officer
        self.care = self._step(
            days_ago,
            lambda: services.request_rate(request=self.care, officer=officer, rating=rating, comment=comment),
            office=False,
        )
        self.stamps["closed_at"] = self.last
        return self

    def withdraw(self, days_ago: float, reason: str) -> _Story:
        user = self.care.officer.user
        self.care = self._step(
            days_ago,
            lambda: services.request_withdraw(request=self.care, actor=user, reason=reason),
            office=False,
        )
        self.stamps["closed_at"] = self.last
        self.due_from = None
        return self

    def finish(self) -> CareRequest:
        """Move the history to its moments: timeline rows, the request's and its grants' timestamps."""
        by_moment: dict[dt.datetime, list[int]] = {}
        for pk in CareEvent.objects.filter(request=self.care).order_by("pk").values_list("pk", flat=True):
            moment = next(moment for before, moment in reversed(self.steps) if pk > before)
            by_moment.setdefault(moment, []).append(pk)
        for moment, pks in by_moment.items():
            CareEvent.objects.filter(pk__in=pks).update(occurred_at=moment)
        for pk, times in self.grants.items():
            CareGrant.objects.filter(pk=pk).update(**times)
        self.care.refresh_from_db()
        waiting = self.care.status in WAITING_ON_OFFICE and self.due_from is not None
        year = timezone.localtime(self.stamps["submitted_at"]).year
        if year != timezone.localtime(self.now).year:
            # Numbered in the year it was submitted, by the service's own yearly counter (stories are
            # told oldest first, so the numbers follow the order requests came in).
            self.stamps["reference"] = services._next_reference(year)
        CareRequest.objects.filter(pk=self.care.pk).update(
            **self.stamps,
            created_at=self.stamps["submitted_at"],
            updated_at=self.last,
            due_at=add_working_days(*self.due_from) if waiting else None,
        )
        self.care.refresh_from_db()
        return self.care


# --- The fund ---------------------------------------------------------------------------------------------


def _seed_fund(*, staff: _Staff, today: dt.date) -> None:
    """The launch donation and the year's budget on 5 January; directed donations; payments by month."""
    fund = ledger.default_fund()
    ledger.budgets_ensure(fund)
    launch = min(dt.date(today.year, 1, 5), today)
    ledger.donation_record(
        fund=fund,
        amount="30000000.00",
        donor=LAUNCH_DONOR,
        idempotency_key=LAUNCH_KEY,
        actor=staff.head,
        memo="爱警基金启动资金",
        booked_on=launch,
    )
    for kind, amount in ALLOCATIONS:
        ledger.allocation_record(
            budget=ledger.budget_of(kind, fund=fund),
            amount=amount,
            idempotency_key=f"demo-care:allocation:{kind}",
            actor=staff.head,
            memo="年度预算分配",
            booked_on=launch,
        )
    for donor, amount, kind, month, day in DONATIONS:
        booked = dt.date(today.year, month, day)
        if booked <= today:
            ledger.donation_record(
                fund=fund,
                amount=amount,
                donor=donor,
                budget=ledger.budget_of(kind, fund=fund),
                idempotency_key=f"demo-care:donation:{month:02d}{day:02d}",
                actor=staff.head,
                memo="定向捐赠",
                booked_on=booked,
            )
    for kind, payee, memo, amount, month, day in PAYMENTS:
        booked = dt.date(today.year, month, day)
        if booked <= today:
            ledger.payment_record(
                budget=ledger.budget_of(kind, fund=fund),
                amount=amount,
                idempotency_key=f"demo-care:payment:{kind}:{month:02d}{day:02d}",
                actor=staff.office,
                counterparty=payee,
                memo=memo,
                booked_on=booked,
            )


# --- The requests -----------------------------------------------------------------------------------------


def _actions(story: _Story, category: str, *, start: float, until: float, note: bool = False) -> None:
    """The handler's actions for the category, spread from ``start`` to ``until`` days ago."""
    steps = ACTIONS[category]
    hospital = story.rng.choice(HOSPITALS)
    gap = max((start - until) / len(steps), 0.5)
    for n, (kind, text, on_in) in enumerate(steps):
        story.act(start - n * gap, kind, text.format(hospital=hospital), on_in=on_in)
        if note and n == 0:
            story.act(start - n * gap, ActionKind.NOTE, story.rng.choice(INTERNAL_NOTES), visible=False)


def _grants(story: _Story, plan: _Plan, *, days_ago: float) -> None:
    """Major illness: a small grant the handler approves, and a large one 王静 approves; hardship: one."""
    if plan.category == Category.MAJOR_ILLNESS:
        story.grant(days_ago, story.rng.choice(("3000", "5000")), "大病慰问金", pay_after=2)
        if plan.case.amount:
            large = str(min(int(plan.case.amount), 40000))
            story.grant(days_ago, large, "大病医疗救助", approve_after=1, pay_after=2)
    elif plan.category == Category.HARDSHIP and plan.case.amount:
        story.grant(days_ago, str(min(int(plan.case.amount), 10000)), "临时困难补助", pay_after=2)


def _play(plan: _Plan, *, staff: _Staff, now: dt.datetime, rng: random.Random) -> CareRequest:
    """Take the request as far as its state; the days are chosen so that the overdue ones are overdue."""
    handler = staff.head if plan.confidential else staff.office  # confidential: 王静 herself
    if plan.state == "in_progress_unit":
        handler = staff.unit_admin
    story = _Story(rng=rng, now=now, staff=staff, handler=handler)
    acceptor = staff.head if plan.confidential else staff.office
    s, outcome = plan.submitted, rng.choice(OUTCOMES[plan.category])
    state = plan.state
    if state == "in_progress_unit":
        story.submit(plan, by=staff.unit_admin)  # 刘晓梅 asks on the officer's behalf
    else:
        story.submit(plan)
    if state in ("closed", "closed_last_year"):
        span = rng.randint(12, 30) if plan.category == Category.MAJOR_ILLNESS else rng.randint(6, 16)
        story.accept(s - rng.choice((0, 1)), actor=acceptor)
        _actions(story, plan.category, start=s - 1, until=s - span + 5, note=rng.random() < 0.3)
        if state == "closed":
            _grants(story, plan, days_ago=s - span + 4)
        story.resolve(s - span, outcome)
        story.rate(s - span - rng.randint(1, 5))
    elif state == "resolved":
        story.accept(s - 1, actor=acceptor)
        _actions(story, plan.category, start=s - 2, until=10)
        _grants(story, plan, days_ago=9)
        story.resolve(rng.randint(2, 6), outcome)
    elif state.startswith("in_progress"):
        story.accept(s - 1, actor=acceptor)
        _actions(story, plan.category, start=s - 2, until=4, note=True)
        if state == "in_progress_awaiting_head":
            story.grant(3, "3000", "大病慰问金", pay_after=1)
            story.grant(1, "30000", "大病医疗救助", approve_after=None)  # waits for 王静
        elif state == "in_progress_unit":
            story.grant(2, "3000", "临时困难补助", approve_after=1)  # a unit admin's: 赵敏 approves it
        elif plan.category == Category.MAJOR_ILLNESS:
            story.grant(2, "5000", "大病慰问金")  # approved, not yet paid
    elif state == "accepted_overdue":
        story.accept(9, actor=acceptor)
    elif state == "accepted":
        story.accept(1, actor=acceptor)
    elif state == "returned":
        story.accept(s - 1, actor=acceptor)
        story.act(s - 1, ActionKind.CALL, "电话了解情况。")
        story.give_back(rng.randint(3, 6), "请补充相关证明材料（如医院诊断证明、收入证明或现场照片）。")
    elif state == "withdrawn":
        story.withdraw(s - 1, "问题已通过其他渠道解决，撤回申请。")
    elif state == "withdrawn_accepted":
        story.accept(s - 1, actor=acceptor)
        story.withdraw(s - 3, "单位已协调解决，撤回申请。")
    return story.finish()


def earlier_year(today: dt.date) -> int:
    """The year before the oldest of this year's cases (about ten months back): last year's batch."""
    return (today - dt.timedelta(days=310)).year - 1


def _submitted_days(state: str, index: int, rng: random.Random) -> float:
    """When a request in this state was submitted, in days ago (the index counts the state's cases)."""
    if state == "closed":
        return 300 - index * 12 + rng.randint(0, 8)  # spread over the last ten months
    if state == "resolved":
        return rng.randint(25, 40)
    if state.startswith("in_progress"):
        return rng.randint(14, 20)
    if state == "accepted_overdue":
        return 11  # accepted nine days ago, nothing since
    if state == "accepted":
        return 3
    if state == "submitted_overdue":
        return 7 + 3 * (index % 2)
    if state == "submitted":
        return (0.15, 0.8)[index % 2]  # hours ago
    if state == "returned":
        return rng.randint(9, 14)
    return rng.randint(40, 90)  # withdrawn


def _plans(
    *, officers: list[Officer], helped_by_unit: Officer | None, rng: random.Random, today: dt.date
) -> list[_Plan]:
    """This year's cases and last year's major-illness ones, each with its own officer."""
    pool = iter(officers)
    used: dict[str, int] = {}
    counts: dict[str, int] = {}
    plans = []
    for category, state, confidential in PLAN:
        counts[state] = counts.get(state, 0) + 1
        case = CASES[category][used.get(category, 0) % len(CASES[category])]
        used[category] = used.get(category, 0) + 1
        if state == "in_progress_unit" and helped_by_unit is None:
            state = "in_progress"  # no unit admin in the demo: 赵敏 handles it
        officer = helped_by_unit if state == "in_progress_unit" else next(pool)
        submitted = _submitted_days(state, counts[state] - 1, rng)
        plans.append(_Plan(officer, category, case, state, submitted, confidential))
    first = dt.date(earlier_year(today), 1, 8)
    for n in range(LAST_YEAR_MAJOR_ILLNESS):
        day = first + dt.timedelta(days=n * 13 + rng.randint(0, 6))
        case = CASES[Category.MAJOR_ILLNESS][rng.randrange(len(CASES[Category.MAJOR_ILLNESS]))]
        plans.append(_Plan(next(pool), Category.MAJOR_ILLNESS, case, "closed_last_year", (today - day).days))
    return plans


def _demo_officer_stories(demo: Officer, *, staff: _Staff, now: dt.datetime, rng: random.Random) -> list:
    """陈志远: a schooling request from the spring, closed and rated; a hardship request in progress."""
    today = timezone.localtime(now).date()
    spring = dt.date(today.year if today.month >= 6 else today.year - 1, 4, 7)

    def schooling() -> CareRequest:
        story = _Story(rng=rng, now=now, staff=staff, handler=staff.office)
        s = (today - spring).days
        case = Case(
            "女儿转学入学协调",
            "因家庭搬迁至城关片区，女儿陈可欣需从城郊小学转入实验小学就读。本人在社区警务岗位，"
            "工作时间不固定，请求组织协助协调学位。",
        )
        story.submit(_Plan(demo, Category.SCHOOLING, case, "closed", s, at=schooling_at))
        story.accept(s - 1, actor=staff.office)
        story.act(s - 1, ActionKind.CALL, "已与区教育局基础教育科沟通，说明民警子女转学需求。")
        story.act(s - 7, ActionKind.VISIT, "陪同家长到实验小学办理转学手续。")
        story.resolve(s - 13, "已协调教育部门，陈可欣已转入实验小学就读。")
        story.rate(s - 16, rating=5, comment="感谢组织帮忙，孩子已经适应新学校。")
        return story.finish()

    def hardship() -> CareRequest:
        story = _Story(rng=rng, now=now, staff=staff, handler=staff.office)
        case = Case(
            "父亲术后康复、家庭经济困难",
            "父亲陈德福前不久因腰椎手术住院，目前在家卧床康复，需要专人照料；爱人单位效益不好，两个孩子上学，"
            "家庭经济压力较大。申请困难帮扶。",
            "5000",
        )
        story.submit(_Plan(demo, Category.HARDSHIP, case, "in_progress", 13, at=hardship_at))
        story.accept(12, actor=staff.office)
        story.act(12, ActionKind.CALL, "电话联系陈志远了解家庭情况，已登记。")
        story.act(
            10,
            ActionKind.NOTE,
            "经与城关派出所核实：家庭人均月收入低于本市困难标准，父亲术后需长期康复。"
            "建议先发放临时困难补助3,000元，并协调社区养老服务。",
            visible=False,
        )
        story.act(7, ActionKind.VISIT, "爱警办赵敏与城关派出所所长上门走访慰问，送去慰问品。")
        story.grant(6, "3000", "临时困难补助")
        story.act(2, ActionKind.FOLLOW_UP, "已联系社区卫生服务中心安排康复护理上门服务，届时回访。", on_in=3)
        return story.finish()

    schooling_at = _aware(spring, 21, 10)
    hardship_at = _time(13, now=now, rng=rng, office=False)
    return [(schooling_at, schooling), (hardship_at, hardship)]


def _quiet_old_news(settled: list[int]) -> None:
    """After commit, cancel what the services scheduled about requests long settled: nobody would be
    told today that a request closed in March has news."""
    for pk in settled:
        reminders.reminders_cancel(subject=f"care.request:{pk}")


def seed_care() -> None:
    city = OrgUnit.objects.filter(parent=None).order_by("path").first()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["demo_welfare", "demo_care", "demo_unit_admin"])
    }
    demo = Officer.objects.select_related("user", "org_unit").filter(user__username="demo_officer").first()
    if city is None or demo is None or "demo_welfare" not in users or "demo_care" not in users:
        return
    staff = _Staff(
        head=users["demo_welfare"], office=users["demo_care"], unit_admin=users.get("demo_unit_admin")
    )
    # 王静 is the 爱警办主任: a head of the welfare office (idempotent, audited).
    people_services.role_assign(user=staff.head, role=Role.WELFARE_HEAD, org_unit=city, actor=None)
    if FundEntry.objects.filter(idempotency_key=LAUNCH_KEY).exists():
        return  # seeded by an earlier run
    # The timeline's own sentences ("Accepted; 赵敏 handles it.") are written in the bureau's language.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        _seed(city=city, demo=demo, staff=staff)


def _seed(*, city: OrgUnit, demo: Officer, staff: _Staff) -> None:
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localtime(now).date()
    _seed_fund(staff=staff, today=today)
    roster = list(
        Officer.objects.filter(
            active=True, user__username__startswith="u", org_unit__path__startswith=city.path
        )
        .select_related("user", "org_unit")
        .order_by("police_number")
    )
    if not roster:
        return
    rng.shuffle(roster)
    east = OrgUnit.objects.filter(code=EAST).first()
    helped_by_unit = next(
        (o for o in roster if staff.unit_admin and east and o.org_unit.path.startswith(east.path)), None
    )
    others = [o for o in roster if o is not helped_by_unit]
    needed = len(PLAN) + LAST_YEAR_MAJOR_ILLNESS
    officers = (others * (needed // len(others) + 1))[:needed]  # distinct, except on a tiny roster
    plans = _plans(officers=officers, helped_by_unit=helped_by_unit, rng=rng, today=today)
    # Oldest first, so reference numbers follow the order the requests came in.
    for plan in plans:
        plan.at = _time(plan.submitted, now=now, rng=rng, office=plan.state == "in_progress_unit")
    work = [(plan.at, lambda plan=plan: _play(plan, staff=staff, now=now, rng=rng)) for plan in plans]
    work += _demo_officer_stories(demo, staff=staff, now=now, rng=rng)
    settled = []
    for _at, tell in sorted(work, key=lambda item: item[0]):
        care = tell()
        if not (care.is_open or care.status == Status.RESOLVED):
            settled.append(care.pk)
    # Registered after the services' own, so it runs after their reminders are scheduled.
    transaction.on_commit(lambda: _quiet_old_news(settled))
