"""The default instrument: four items per dimension of the welfare indicator system (our own wording;
one reverse-scored item in each dimension guards against answering "agree" to everything), and the
WHO-5 well-being index as an optional module (items as published by the WHO, scored 0–5)."""

from django.db import migrations

CODE = "welfare-index"
CORE = [
    # (code, dimension, reverse, Chinese, English)
    ("rec1", "recognition", False, "我的工作成绩能及时得到组织的肯定。", "My achievements at work are recognised in good time."),
    ("rec2", "recognition", False, "立功受奖、评先评优能真实反映大家的付出。", "Commendations and awards truly reflect what people have given."),
    ("rec3", "recognition", False, "领导会当面肯定我做得好的地方。", "My superiors tell me in person what I have done well."),
    ("rec4", "recognition", True, "我做出的成绩常常被忽视。", "What I achieve is often overlooked."),
    ("fai1", "fairness", False, "职级晋升和岗位调整的规则公开透明。", "The rules for promotion and postings are open and clear."),
    ("fai2", "fairness", False, "在竞争中，大家凭实绩说话。", "In competition, results are what count."),
    ("fai3", "fairness", False, "考核结果公平地反映了我的工作。", "Performance reviews reflect my work fairly."),
    ("fai4", "fairness", True, "在我们单位，关系比能力更重要。", "In my unit, connections matter more than ability."),
    ("war1", "warmth", False, "遇到困难时，我知道可以找组织。", "When in difficulty, I know I can turn to the organisation."),
    ("war2", "warmth", False, "组织关心我的家人。", "The organisation cares about my family."),
    ("war3", "warmth", False, "受到委屈或不法侵害时，组织会为我撑腰。", "When wronged or assaulted on duty, the organisation stands by me."),
    ("war4", "warmth", True, "遇到难处时，我常常感到孤立无援。", "When things are hard, I often feel on my own."),
    ("wrn1", "warning", False, "工作出现偏差时，有人会及时提醒我。", "When my work goes off course, somebody tells me in time."),
    ("wrn2", "warning", False, "谈心谈话让我能早些发现自己的问题。", "Heart-to-heart talks help me see my problems early."),
    ("wrn3", "warning", False, "对我的提醒是善意的、对事不对人。", "The warnings I get are well meant and about the work, not me."),
    ("wrn4", "warning", True, "等到出了问题才有人找我谈话。", "Nobody talks to me until something has gone wrong."),
    ("pas1", "passion", False, "接到任务时，我愿意全力以赴。", "When given a task, I want to give it my all."),
    ("pas2", "passion", False, "我为自己是一名人民警察感到自豪。", "I am proud to be a people's police officer."),
    ("pas3", "passion", False, "我的工作让我觉得有意义。", "My work feels meaningful."),
    ("pas4", "passion", True, "我常常觉得工作只是在应付。", "I often feel I am just going through the motions."),
    ("res1", "rest", False, "我能按规定正常休息和休假。", "I can take my rest days and leave as I am entitled to."),
    ("res2", "rest", False, "休息时间里我能真正放松下来。", "In my time off I can really relax."),
    ("res3", "rest", False, "我有时间陪伴家人。", "I have time for my family."),
    ("res4", "rest", True, "休息日也常常被工作打扰。", "Work often intrudes on my days off."),
]
WHO5 = [
    ("who1", "我感到快乐、心情舒畅。", "I have felt cheerful and in good spirits."),
    ("who2", "我感到平静和放松。", "I have felt calm and relaxed."),
    ("who3", "我感到充满活力、精力充沛。", "I have felt active and vigorous."),
    ("who4", "我醒来时感到神清气爽、休息充分。", "I woke up feeling fresh and rested."),
    ("who5", "我的日常生活中充满了让我感兴趣的事。", "My daily life has been filled with things that interest me."),
]


def install(apps, schema_editor=None):
    Instrument = apps.get_model("surveys", "Instrument")
    Item = apps.get_model("surveys", "Item")
    instrument, created = Instrument.objects.get_or_create(
        code=CODE, version=1, defaults={"title_zh": "民警幸福指数调查", "title_en": "Officer welfare index survey"}
    )
    if not created:
        return
    items = [
        Item(instrument=instrument, code=code, order=n, module="core", dimension=dimension, reverse=reverse,
             text_zh=zh, text_en=en, scale_min=1, scale_max=5)
        for n, (code, dimension, reverse, zh, en) in enumerate(CORE, start=1)
    ]
    items += [
        Item(instrument=instrument, code=code, order=100 + n, module="who5", dimension="",
             text_zh=zh, text_en=en, scale_min=0, scale_max=5)
        for n, (code, zh, en) in enumerate(WHO5, start=1)
    ]
    Item.objects.bulk_create(items)


def uninstall(apps, schema_editor):
    apps.get_model("surveys", "Instrument").objects.filter(code=CODE, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
