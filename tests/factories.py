"""factory_boy factories with traits for the states tests need."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from people.models import FamilyMember, Officer, OrgUnit, RoleAssignment, User

PASSWORD = "Correct-Horse-42!"


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    kind = "police_station"
    parent = None
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}派出所")
    path = factory.LazyAttribute(lambda o: OrgUnit.path_for(parent=o.parent, code=o.code))
    depth = factory.LazyAttribute(lambda o: (o.parent.depth + 1) if o.parent else 0)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])


class OfficerFactory(DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    police_number = factory.Sequence(lambda n: f"{300000 + n:06d}")
    name = factory.Sequence(lambda n: f"民警{n}")
    sex = "male"
    birth_date = dt.date(1985, 6, 1)
    kind = "police"
    org_unit = factory.SubFactory(OrgUnitFactory)
    position = "社区民警"
    joined_police_on = dt.date(2008, 8, 1)
    mobile = "13800000000"

    class Params:
        auxiliary = factory.Trait(
            kind="auxiliary", police_number=factory.Sequence(lambda n: f"F{400000 + n:06d}")
        )
        inactive = factory.Trait(active=False)


class FamilyMemberFactory(DjangoModelFactory):
    class Meta:
        model = FamilyMember

    officer = factory.SubFactory(OfficerFactory)
    relation = "parent"
    name = factory.Sequence(lambda n: f"家属{n}")
    sex = "female"
    birth_date = dt.date(1960, 1, 1)

    class Params:
        child = factory.Trait(
            relation="child", birth_date=dt.date(2009, 3, 9), school="第一中学", grade="高三", sex="male"
        )


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "unit_admin"
    org_unit = factory.SubFactory(OrgUnitFactory)
