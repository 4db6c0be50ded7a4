from collections import defaultdict

import pytest

from sources.reference.provinces import fold, name_key, swap_tone_placement, unit_set_for


def test_two_unit_sets(register):
    assert len(register.in_set("63")) == 63
    assert len(register.in_set("34")) == 34
    assert unit_set_for(2024) == "63" and unit_set_for(2025) == "34"


def test_crosswalk_is_complete_and_consistent(register):
    old_codes = {u.code for u in register.in_set("63")}
    assert {row["old_gso_code"] for row in register.crosswalk} == old_codes
    for unit in register.in_set("34"):
        constituents = {row["old_gso_code"] for row in register.crosswalk if row["new_code"] == unit.code}
        assert constituents == set(unit.merged_from), unit.name
    unchanged = [u for u in register.in_set("34") if len(u.merged_from) == 1]
    assert len(unchanged) == 11  # "11 units unchanged, 23 formed by merging" (shared/reference/README.md)


@pytest.mark.parametrize(
    ("written", "year", "code", "name"),
    [
        ("Hòa Bình", 2022, "17", "Hòa Bình"),
        ("Hoà Bình", 2022, "17", "Hòa Bình"),
        ("HOA BINH", 2022, "17", "Hòa Bình"),
        ("Thanh Hoá", 2024, "38", "Thanh Hóa"),
        ("Khánh Hoà", 2025, "56", "Khánh Hòa"),
        ("TP. Hồ Chí Minh", 2021, "79", "TP. Hồ Chí Minh"),
        ("TPHCM", 2023, "79", "TP. Hồ Chí Minh"),
        ("TP.HCM", 2025, "79", "Thành phố Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", 2022, "79", "TP. Hồ Chí Minh"),
        ("Thừa Thiên - Huế", 2022, "46", "Thừa Thiên Huế"),
        ("Thừa Thiên-Huế", 2022, "46", "Thừa Thiên Huế"),
        ("Huế", 2025, "46", "Thành phố Huế"),
        ("Bà Rịa–Vũng Tàu", 2023, "77", "Bà Rịa - Vũng Tàu"),
        ("Đắc Lắc", 2022, "66", "Đắk Lắk"),
        ("tỉnh Bắc Ninh", 2024, "27", "Bắc Ninh"),
        ("Bắc Ninh", 2025, "24", "Bắc Ninh"),
        ("24", 2024, "24", "Bắc Giang"),
        ("24", 2025, "24", "Bắc Ninh"),
        ("1", 2021, "01", "Hà Nội"),
        ("Thành phố Hải Phòng", 2023, "31", "Hải Phòng"),
    ],
)
def test_resolves_every_written_form(register, written, year, code, name):
    resolved = register.resolve(written, year)
    assert resolved.error is None
    assert (resolved.unit.code, resolved.unit.name) == (code, name)


def test_retired_unit_names_its_successor(register):
    resolved = register.resolve("Bắc Giang", 2025)
    assert resolved.unit is None
    assert "merged into Bắc Ninh (code 24) on 01/07/2025" in resolved.error


def test_new_unit_name_before_the_merger_is_explained(register):
    # "Thành phố Đà Nẵng" exists in both sets; a unit created by the merger under a new name does not.
    resolved = register.resolve("99", 2023)
    assert resolved.unit is None and "does not exist among the 63 units in force in 2023" in resolved.error


def test_misspelt_name_gets_a_suggestion_not_a_guess(register):
    resolved = register.resolve("Thnh Hóa", 2022)
    assert resolved.unit is None
    assert "did you mean 'Thanh Hóa'?" in resolved.error


def test_no_two_units_share_a_match_key(register):
    for unit_set in ("63", "34"):
        owners = defaultdict(set)
        for variant in register.variants():
            if variant["unit_set"] == unit_set:
                owners[variant["match_key"]].add(variant["code"])
        assert not {k: v for k, v in owners.items() if len(v) > 1}


def test_variants_cover_diacritics_prefixes_and_tone_placement(register):
    variants = {(v["unit_set"], v["variant"]) for v in register.variants()}
    assert {("63", "Hòa Bình"), ("63", "Hoà Bình"), ("63", "Hoa Binh"), ("63", "Tỉnh Hòa Bình")} <= variants
    assert {("34", "Thành phố Hà Nội"), ("34", "Hà Nội"), ("34", "TP. Hà Nội"), ("34", "Ha Noi")} <= variants


@pytest.mark.parametrize(
    ("old", "new"), [("Hòa", "Hoà"), ("Thanh Hóa", "Thanh Hoá"), ("Thủy", "Thuỷ"), ("Khỏe", "Khoẻ")]
)
def test_tone_placement_swaps_both_ways(old, new):
    assert swap_tone_placement(old) == new
    assert swap_tone_placement(new) == old


def test_tone_mark_inside_a_syllable_stays(register):
    assert swap_tone_placement("Hoàng") == "Hoàng"


def test_match_key_ignores_prefix_case_and_marks():
    assert name_key("TP. Hồ Chí Minh") == name_key("ho chi minh") == "hochiminh"
    assert fold("Đắk Lắk") == "dak lak"
