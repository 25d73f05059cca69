def test_it_lists_only_the_owners_family(officer, outsider):
    from people.selectors import family_of

    names = sorted(m.name for m in family_of(officer=officer))
    assert names == ["林婉清", "陈思源"]
