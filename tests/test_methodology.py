import unicodedata
from pathlib import Path

import pytest
import yaml

from sources.home import PROJECT_ROOT
from sources.index.methodology import MethodologyError, load_methodology, read_yaml


def test_catalogue_covers_the_three_pillars(methodology):
    reported = [i for i in methodology.indicators if i.reported]
    assert len(methodology.indicators) >= 18
    assert {i.pillar for i in reported} == {"government", "economy", "society"}
    for pillar in ("government", "economy", "society"):
        assert sum(i.pillar == pillar for i in reported) >= 5
    assert methodology.version


def test_every_indicator_is_described_in_both_languages(methodology):
    for indicator in methodology.indicators:
        assert indicator.name_vi and indicator.name_en
        assert unicodedata.normalize("NFD", indicator.name_vi) != indicator.name_vi, indicator.code  # has diacritics


def test_district_indicators_end_with_the_reform(methodology):
    district = methodology.by_code["records_online_district_pct"]
    assert district.valid_in(2024) and not district.valid_in(2025)
    assert "records_online_district_pct" not in {i.code for i in methodology.reported_in(2025)}


def test_national_targets_match_the_reference_file(methodology):
    import csv

    with (PROJECT_ROOT / "sources" / "reference" / "national_targets.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    symbols = {">=": "≥", ">": ">"}
    for row in rows:
        indicator = methodology.by_code[row["indicator"]]
        target = indicator.national_targets[int(row["target_year"])]
        assert (target.comparator, target.value) == (symbols[row["comparator"]], float(row["value"])), row["indicator"]


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load((PROJECT_ROOT / "methodology" / "default.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_pillar_is_named(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["indicators"][0].update(pillar="culture"))
    with pytest.raises(MethodologyError, match="online_services_level4_pct: pillar 'culture' is not one of"):
        load_methodology(path)


def test_duplicate_code_is_named(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["indicators"].append(dict(raw["indicators"][0])))
    with pytest.raises(MethodologyError, match="'online_services_level4_pct' appears twice"):
        load_methodology(path)


def test_a_key_written_twice_is_refused_not_silently_overwritten(tmp_path):
    """Plain YAML keeps the last of two equal keys: a weight or threshold written twice would change the index
    without a word. The methodology and the catalog refuse it, naming the key and the line."""
    text = (PROJECT_ROOT / "methodology" / "default.yaml").read_text(encoding="utf-8")
    doubled = text.replace("gap_status:\n", "gap_status:\n  approx_tolerance: 0.5\n", 1)
    path = tmp_path / "doubled.yaml"
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"key 'approx_tolerance' written twice in one mapping[\s\S]*line \d+"):
        load_methodology(path)
    assert read_yaml("a: 1\nb: {a: 2}\n") == {"a": 1, "b": {"a": 2}}  # the same key in two mappings is fine


def test_field_errors_say_where(tmp_path):
    path = _broken(tmp_path, lambda raw: raw["indicators"][2].update(direction="up", valid_from="soon"))
    with pytest.raises(MethodologyError) as error:
        load_methodology(path)
    message = str(error.value)
    assert "2 problem(s)" in message
    assert "indicators[2] (records_online_district_pct).direction" in message
    assert "indicators[2] (records_online_district_pct).valid_from" in message


def test_not_yaml(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("indicators: [unclosed", encoding="utf-8")
    with pytest.raises(MethodologyError, match="not valid YAML"):
        load_methodology(path)


def _set_pillar(raw, code, **changes):
    next(p for p in raw["pillars"] if p["code"] == code).update(changes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: (
                _set_pillar(raw, "economy", children={"government": 1, "dx_enterprises_pct": 1})
                or _set_pillar(raw, "government", children={"economy": 1})
            ),
            "the framework has a cycle through node",
        ),
        (
            lambda raw: raw["index"]["children"].update(culture=1),
            "node index: child 'culture' is neither an indicator nor a node",
        ),
        (
            lambda raw: _set_pillar(raw, "society", aggregation="geometric") or raw.update(normalisation="zscore"),
            "node society: geometric aggregation needs positive scores, but child fibre_household_pct is normalised by zscore",
        ),
        (lambda raw: raw["index"]["children"].update(economy=0), "weights must be > 0, found {'economy': 0"),
        (
            lambda raw: raw["indicators"][0].update(direction="negative"),
            "goalposts [0, 100] are [worst, best]: a negative indicator needs worst > best",
        ),
        (lambda raw: raw["restatement"].pop("count"), "restatement: no rule for indicator kind(s) ['count']"),
        (lambda raw: raw["pillars"][0].update(min_share=1.5), "pillars[0] (government).min_share"),
        (
            lambda raw: raw.update(imputation="guess"),
            "imputation: Input should be 'none', 'carry_forward' or 'pillar_mean'",
        ),
        (
            lambda raw: raw["gap_status"].update(acceleration_min_ratio=2),
            "acceleration_min_ratio must be below on_track_min_ratio",
        ),
    ],
)
def test_framework_errors_are_readable(tmp_path, change, message):
    with pytest.raises(MethodologyError) as error:
        load_methodology(_broken(tmp_path, change))
    assert message in str(error.value)


def test_both_shipped_methodologies_load_and_every_leaf_is_scored():
    for name in ("default", "dti-922"):
        methodology = load_methodology(PROJECT_ROOT / "methodology" / f"{name}.yaml")
        assert methodology.version and methodology.levels[methodology.index.code] == max(methodology.levels.values())
        assert {p.code for p in methodology.pillars} == {"government", "economy", "society"}
        for node in methodology.nodes:
            assert sum(node.normalised_weights().values()) == pytest.approx(1)


def test_default_framework_scores_every_reported_indicator_but_the_raw_count(methodology):
    scored = {i.code for i in methodology.leaves}
    assert {i.code for i in methodology.indicators} - scored == {"digital_enterprises_count"}
    assert "digital_enterprises_per_1000" in scored
