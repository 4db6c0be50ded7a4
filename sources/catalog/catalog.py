"""The data dictionary, in one place: what every schema, table, view and column means in Vietnamese and
English, the headers of the exported files, the values people read (value status, series, target
status...) and the words of the portal and the report. The text lives in sources/catalog/catalog.yaml;
this module loads and validates it and answers questions about it.

Indicator and pillar names are not in the catalog: they are the methodology file's (methodology/*.yaml),
and the functions here that need them take the Methodology. A pillar's columns in the published views and
exports (`<code>_score`, `<code>_rank`) are described from the catalog's templates filled with the
pillar's names."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sources.index.methodology import Methodology, Node, read_yaml

CATALOG_FILE = Path(__file__).resolve().with_name("catalog.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """The same fact in both languages."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Description(_Strict):
    """A column's meaning at one level of the catalog (all tables, one schema, one table); a language left
    out here is taken from the level below."""

    vi: str | None = Field(default=None, min_length=1)
    en: str | None = Field(default=None, min_length=1)


class Column(Description):
    """A column common to all tables, and the header it has in the exported files."""

    header: Text | None = None


class Relation(Text):
    """A schema, table or view, and the meaning its columns have there when it differs from the common one."""

    columns: dict[str, Description] = Field(default_factory=dict)


class Catalog(_Strict):
    schemas: dict[str, Relation]
    tables: dict[str, Relation] = Field(description="schema.table (or view)")
    assets: dict[str, Text] = Field(description="assets that are not a warehouse table, by key joined with '.'")
    columns: dict[str, Column]
    pillar_columns: dict[str, Column] = Field(
        description="column suffix (score, rank) -> templates filled with {name_vi} and {name_en} of each pillar"
    )
    vocabularies: dict[str, dict[str, Text]] = Field(description="column -> value -> what it means")
    words: dict[str, Text]
    unit_decimals: dict[str, int] = Field(description="unit -> decimals a number of that unit is shown with")

    def table(self, qualified: str) -> Text | None:
        return self.tables.get(qualified)

    def column(self, qualified: str, column: str, methodology: Methodology | None = None) -> Description:
        """What `column` of `qualified` ("schema.table") means, each language from the most specific level
        that has it: the table, its schema, all tables; a pillar's column from the methodology's names."""
        if methodology is not None and (pillar := _pillar_column(column, methodology, self.pillar_columns)):
            node, template = pillar
            return Description(vi=_fill(template.vi, node), en=_fill(template.en, node))
        levels = [self.tables.get(qualified), self.schemas.get(qualified.split(".")[0])]
        found = [level.columns.get(column) for level in levels if level is not None] + [self.columns.get(column)]
        found = [level for level in found if level is not None]
        return Description(vi=next((d.vi for d in found if d.vi), None), en=next((d.en for d in found if d.en), None))

    def headers(self, lang: str, methodology: Methodology) -> dict[str, str]:
        """The header of every exported column in `lang` ("vi" or "en"), pillar columns included."""
        headers = {name: getattr(column.header, lang) for name, column in self.columns.items() if column.header}
        for node in methodology.pillars:
            for suffix, template in self.pillar_columns.items():
                headers[f"{node.code}_{suffix}"] = _fill(getattr(template.header, lang), node)
        return headers

    def term(self, vocabulary: str, value: str, lang: str) -> str:
        """`value` of `vocabulary` in `lang` ("vi" or "en"); a value the vocabulary lacks as it is."""
        text = self.vocabularies.get(vocabulary, {}).get(value)
        return getattr(text, lang) if text is not None else value

    def words_in(self, lang: str) -> dict[str, str]:
        """The portal's and the report's words in `lang` ("vi" or "en")."""
        return {key: getattr(text, lang) for key, text in self.words.items()}


def _pillar_column(column: str, methodology: Methodology, templates: dict[str, Column]) -> tuple[Node, Column] | None:
    for node in methodology.pillars:
        for suffix, template in templates.items():
            if column == f"{node.code}_{suffix}":
                return node, template
    return None


def _fill(template: str | None, node: Node) -> str | None:
    """A template with the pillar's names; in Vietnamese the name is lower-cased inside a sentence
    ("Điểm chính quyền số") unless it starts with an acronym."""
    if template is None:
        return None
    name_vi = node.name_vi if node.name_vi[1:2].isupper() else node.name_vi[:1].lower() + node.name_vi[1:]
    return template.format(name_vi=name_vi, name_en=node.name_en)


def bilingual(text: Text | Description) -> str | None:
    """One description in both languages, Vietnamese first: the form of every DuckDB comment and asset
    description."""
    if text.vi and text.en:
        return f"{text.vi} | EN: {text.en}"
    return text.vi or text.en


@cache
def catalog() -> Catalog:
    """The catalog file, validated once per process."""
    return Catalog.model_validate(read_yaml(CATALOG_FILE.read_text(encoding="utf-8")))


def pillars(methodology: Methodology) -> list[dict[str, str]]:
    """The methodology's pillars, in its order, as a release's manifest records them for the portal."""
    return [{"code": node.code, "name_vi": node.name_vi, "name_en": node.name_en} for node in methodology.pillars]


def pillar_columns(methodology: Methodology, suffixes: tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    """(column, pillar code, suffix) of the pillar columns of the published views, in the methodology's order:
    for each pillar one column per suffix of the catalog's pillar_columns (score, rank), or of `suffixes`."""
    return [
        (f"{node.code}_{suffix}", node.code, suffix)
        for node in methodology.pillars
        for suffix in suffixes or tuple(catalog().pillar_columns)
    ]


def pillar_labels(manifest_pillars: list[dict[str, str]], lang: str) -> dict[str, str]:
    """Score column -> pillar name in `lang`, for the pillars a release's manifest lists."""
    return {f"{p['code']}_score": p[f"name_{lang}"] for p in manifest_pillars}
