"""The love-police fund with its five sub-budgets (empty: money comes in as entries), and on PostgreSQL a
trigger that refuses UPDATE and DELETE on the ledger, as for the audit log.

TRUNCATE (the test runner's flush) is not affected.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION care_fund_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'care_fundentry is append-only: % refused; record a reversal', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER care_fund_entry_append_only
    BEFORE UPDATE OR DELETE ON care_fundentry
    FOR EACH ROW EXECUTE FUNCTION care_fund_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS care_fund_entry_append_only ON care_fundentry;
DROP FUNCTION IF EXISTS care_fund_entry_append_only();
"""

KINDS = ("awards", "care_grants", "activities", "health", "other")


def forwards(apps, schema_editor):
    Fund = apps.get_model("care", "Fund")
    SubBudget = apps.get_model("care", "SubBudget")
    fund, _created = Fund.objects.get_or_create(code="aijing", defaults={"name": "爱警基金"})
    for kind in KINDS:
        SubBudget.objects.get_or_create(fund=fund, kind=kind)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
