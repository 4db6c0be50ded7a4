"""`dti serve`: a read-only download portal over the releases of `exports/`. It serves only the files a
release's manifest lists, reads nothing but release files, and runs no SQL."""

from __future__ import annotations

from pathlib import Path
from typing import get_args
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

from portal import data, whatif
from portal.rendering import TEMPLATES
from sources.catalog.catalog import catalog, pillar_labels
from sources.index.methodology import Aggregation, Normalisation
from sources.release import profiles
from sources.release.releases import MANIFEST, Release, change_summary, latest_release, releases


def create_app(exports: Path) -> Starlette:
    def release_or_404(release_id: str) -> Release:
        for release in releases(exports):
            if release.id == release_id:
                return release
        raise HTTPException(404, f"no release {release_id}")

    def language(request: Request) -> str:
        return "en" if request.query_params.get("lang") == "en" else "vi"

    def page(request: Request, template: str, synthetic: bool, status: int = 200, **context) -> HTMLResponse:
        lang = language(request)
        html = TEMPLATES.get_template(template).render(
            lang=lang, t=catalog().words_in(lang), synthetic=synthetic, **context
        )
        return HTMLResponse(html, status_code=status)

    def year_of(release: Release, text: str) -> int:
        if not text.isdigit() or int(text) not in release.manifest["reporting_years"]:
            raise HTTPException(404, f"no year {text} in release {release.id}")
        return int(text)

    def unit_of(release: Release, year: int, code: str) -> dict:
        """One unit of a year's ranking (portal/data.py: province), or 404."""
        unit = data.province(release, year, code)
        if unit is None:
            raise HTTPException(404, "no such province in this year's ranking")
        return unit

    def province_url(release_id: str, year: int, code: str, lang: str) -> str:
        return f"/r/{release_id}/{year}/{code}?lang={lang}"

    async def index(request: Request) -> HTMLResponse:
        """The answer first: the latest year's ranking of the latest release with its rank intervals and
        its map; the releases below, each with a line on what it changed."""
        found = releases(exports)
        lang = language(request)
        current = next((r for r in found if r.id == latest_release(exports)), found[0] if found else None)
        front = None
        if current is not None:
            year = max(current.manifest["reporting_years"])
            rows = data.ranking_rows(current, year)
            link = {r["province_code"]: province_url(current.id, year, r["province_code"], lang) for r in rows}
            t = catalog().words_in(lang)
            front = {
                "release": current,
                "year": year,
                "rows": rows,
                "banded": bool(rows) and "rank_p05" in rows[0],
                "pillars": pillar_labels(current.manifest["pillars"], lang),
                "link": lambda r: link[r["province_code"]],
                "map": profiles.score_map(rows, t["map_title"].format(year=year), lang, link, t["not_ranked"]),
            }
        return page(
            request,
            "index.html",
            any(r.synthetic for r in found),
            releases=found,
            latest=latest_release(exports),
            front=front,
            summaries={r.id: change_summary(r.manifest, lang) for r in found},
        )

    async def latest(request: Request) -> RedirectResponse:
        current = latest_release(exports)
        if current is None:
            raise HTTPException(404, "no release yet")
        return RedirectResponse(f"/r/{current}/")

    async def release(request: Request) -> HTMLResponse:
        found = release_or_404(request.path_params["release"])
        return page(request, "release.html", found.synthetic, release=found)

    async def ranking(request: Request) -> HTMLResponse:
        found = release_or_404(request.path_params["release"])
        year = year_of(found, request.path_params["year"])
        rows = data.ranking_rows(found, year)
        lang = language(request)
        files = [f for f in found.manifest["files"] if f["year"] == year and f["table"] in ("ranking", "workbook")]
        return page(
            request,
            "ranking.html",
            found.synthetic,
            release=found,
            year=year,
            rows=rows,
            files=files,
            banded=bool(rows) and "rank_p05" in rows[0],
            pillars=pillar_labels(found.manifest["pillars"], lang),
            link=lambda r: province_url(found.id, year, r["province_code"], lang),
            chart=data.scores_chart(rows, catalog().words_in(lang)["chart_scores"].format(year=year)),
        )

    async def province(request: Request) -> HTMLResponse:
        found = release_or_404(request.path_params["release"])
        year = year_of(found, request.path_params["year"])
        unit = unit_of(found, year, request.path_params["code"])
        lang = language(request)
        t = catalog().words_in(lang)
        lines = {"score": t["score"], **pillar_labels(found.manifest["pillars"], lang)}
        code = request.path_params["code"]
        rows = data.ranking_rows(found, year)
        link = {r["province_code"]: province_url(found.id, year, r["province_code"], lang) for r in rows}
        return page(
            request,
            "province.html",
            found.synthetic,
            release=found,
            year=year,
            p=unit,
            row=unit["row"],
            chart=profiles.history_chart(unit["history"], lines, f"{t['history']}: {unit['row']['province_name']}"),
            map=profiles.score_map(rows, t["map_title"].format(year=year), lang, link, t["not_ranked"], highlight=code),
            targets=data.targets(found, year, unit["unit_set"], code, lang),
            **data.sections(found, year, code, lang),
            pdf=next(
                (
                    f["name"]
                    for f in found.manifest["files"]
                    if f["table"] == "profile" and f["year"] == year and f.get("province_code") == code
                ),
                None,
            ),
        )

    async def what_if(request: Request) -> HTMLResponse:
        """A year of a release ranked again with the changes of the form (portal/whatif.py), beside the
        ranking as published; a field that cannot be used gives HTTP 422, said in both languages."""
        found = releases(exports)
        lang = language(request)
        other = "vi" if lang == "en" else "en"
        toggle = "?" + urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
        )
        form, result, problems, status = None, None, [], 200
        try:
            form = whatif.read_form(request.query_params, request.url.query, found, latest_release(exports))
            result = whatif.compute(form)
        except whatif.FormError as refused:
            form, problems, status = refused.form, refused.problems, 422
        changed = form.changed if form else None
        return page(
            request,
            "whatif.html",
            any(r.synthetic for r in found) if form is None else form.release.synthetic,
            status=status,
            releases=found,
            form=form,
            result=result,
            problems=problems,
            invalid=f"{catalog().words_in('vi')['invalid']} / {catalog().words_in('en')['invalid']}",
            toggle=toggle,
            rows=whatif.weight_rows(form),
            edges=whatif.edges(changed, lang) if changed else [],
            leaves=[(leaf.code, getattr(leaf, f"name_{lang}")) for leaf in changed.leaves if leaf.valid_in(form.year)]
            if changed
            else [],
            normalisations=get_args(Normalisation),
            aggregations=get_args(Aggregation),
            methodologies={name: m.version for name, m in whatif.shipped().items()},
            uncertainty=changed.uncertainty if changed else None,
            link=lambda r: province_url(form.release.id, form.year, r["province_code"], lang),
        )

    def release_of(text: str) -> Release:
        """A release by id, or `latest` for the one `latest` points to."""
        if text == "latest":
            text = latest_release(exports) or ""
        return release_or_404(text)

    async def api_releases(request: Request) -> JSONResponse:
        """Every release, newest first: id, latest or not, methodology, years, synthetic, what it changed."""
        current = latest_release(exports)
        return JSONResponse(
            [
                {
                    "release_id": r.id,
                    "latest": r.id == current,
                    "methodology_version": r.manifest["methodology_version"],
                    "reporting_years": r.manifest["reporting_years"],
                    "synthetic": r.synthetic,
                    "notes": r.manifest.get("notes") or {},
                    "changes": r.manifest.get("changes") or {},
                    "summary": {lang: change_summary(r.manifest, lang) for lang in ("vi", "en")},
                }
                for r in releases(exports)
            ]
        )

    async def api_ranking(request: Request) -> JSONResponse:
        found = release_of(request.path_params["release"])
        year = year_of(found, request.path_params["year"])
        return JSONResponse(
            {"release_id": found.id, "synthetic": found.synthetic, "year": year, "rows": data.ranking_rows(found, year)}
        )

    async def api_province(request: Request) -> JSONResponse:
        found = release_of(request.path_params["release"])
        year = year_of(found, request.path_params["year"])
        unit = unit_of(found, year, request.path_params["code"])
        return JSONResponse(
            {"release_id": found.id, "synthetic": found.synthetic, "year": year}
            | {key: unit[key] for key in ("row", "unit_set", "series", "history")}
        )

    async def api_gaps(request: Request) -> JSONResponse:
        found = release_of(request.path_params["release"])
        year = year_of(found, request.path_params["year"])
        unit = unit_of(found, year, request.path_params["code"])
        return JSONResponse({"release_id": found.id, "synthetic": found.synthetic, "year": year, "gaps": unit["gaps"]})

    async def download(request: Request) -> FileResponse:
        found = release_or_404(request.path_params["release"])
        name = request.path_params["name"]
        listed = {entry["name"] for entry in found.manifest["files"]} | {MANIFEST}
        if name not in listed:
            raise HTTPException(404, "not a file of this release")
        return FileResponse(found.folder / name, filename=name)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/releases", api_releases),
            Route("/api/r/{release}/{year}/ranking", api_ranking),
            Route("/api/r/{release}/{year}/{code}", api_province),
            Route("/api/r/{release}/{year}/{code}/gaps", api_gaps),
            Route("/latest", latest),
            Route("/whatif", what_if),
            Route("/r/{release}/", release),
            Route("/r/{release}/files/{name}", download),
            Route("/r/{release}/{year}", ranking),
            Route("/r/{release}/{year}/{code}", province),
        ]
    )
