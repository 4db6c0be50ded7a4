"""Commands for analysts: a reading query on the published warehouse, and the index or its rank
uncertainty computed on a table of one's own, without the warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dti.commands import CONTEXT, fail
from sources.home import DataHome, methodology_names, methodology_path

METHODOLOGY_HELP = (
    "Một phương pháp trong methodology/ (default, dti-922) hoặc đường dẫn tệp YAML / A methodology of "
    "methodology/ (default, dti-922) or the path of a YAML file."
)
MERGE_HELP = (
    "Trước hết gộp 63 đơn vị cũ thành 34 đơn vị hiện nay (trung bình không trọng số của các đơn vị thành "
    "phần, quy tắc của Bộ cho xếp hạng 2024 của 34 đơn vị) / First merge the 63 former units into the 34 "
    "current ones (unweighted mean of the constituents' values, the ministry's rule for its 2024 ranking "
    "of the 34 units)."
)
YEAR_HELP = (
    "Năm báo cáo, cho các chỉ tiêu chỉ có hiệu lực trong một số năm (mặc định: mọi chỉ tiêu có hiệu lực) / "
    "Reporting year, for indicators valid only in some years (default: all valid)."
)
OUTPUT_HELP = "Ghi kết quả thành CSV vào đây (mặc định: in ra) / Write the result as CSV here (default: print it)."


def _table_out(result, output: Path | None, summary: str, echo_summary: bool = True) -> None:
    """A result table as CSV: into `output` (saying so, with `summary`, on stderr) or on stdout."""
    if output:
        result.write_csv(output)
        click.echo(f"wrote {output}: {summary}", err=True)
    else:
        click.echo(result.write_csv(), nl=False)
        if echo_summary:
            click.echo(summary, err=True)


INPUT = click.argument("input_csv", metavar="INPUT.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def _methodology(name: str):
    from sources.index.methodology import MethodologyError, load_methodology

    try:
        return load_methodology(methodology_path(name))
    except MethodologyError as exc:
        fail(f"{exc}\n(methodologies shipped: {', '.join(methodology_names())})")


@click.command(context_settings=CONTEXT)
@click.option("--methodology", "methodology_name", default="default", show_default=True, help=METHODOLOGY_HELP)
@click.option("--merge-to-34", is_flag=True, help=MERGE_HELP)
@click.option("--year", type=int, help=YEAR_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=OUTPUT_HELP)
@INPUT
def score(methodology_name: str, merge_to_34: bool, year: int | None, output: Path | None, input_csv: Path) -> None:
    """Tính điểm một bảng / Score a table, without the warehouse

    INPUT.csv có cột `unit` (mã hoặc tên tỉnh, hoặc nhãn bất kỳ) và mỗi chỉ tiêu của phương pháp một cột
    (với dti-922 là các chỉ số chính NT, TC, HT, NL, ATTT, HD_CQS, HD_KTS, HD_XHS, thang 0-1). Ô trống là
    thiếu số liệu (không bao giờ là 0); số thập phân kiểu Việt Nam (0,5) được đọc. Có cột `year` thì mỗi dòng
    là một đơn vị trong một năm (phương pháp bù số liệu bằng năm trước sẽ đọc các năm trước). Kết quả có unit,
    score, mỗi trụ cột một cột và rank; điểm làm tròn 4 chữ số thập phân, xếp hạng như Bộ xếp (điểm bằng nhau
    cùng hạng, hạng kế tiếp bị bỏ qua). Đây đúng là bộ máy tính chỉ số của kho dữ liệu, với mọi phương pháp.

    INPUT.csv has a `unit` column (province code or name, or any label) and one column per indicator
    of the methodology (for dti-922 the main indices NT, TC, HT, NL, ATTT, HD_CQS, HD_KTS, HD_XHS,
    scored 0-1). Empty cells are missing values (never zeros); Vietnamese decimals (0,5) are read.
    With a `year` column each row is a unit in a year (a methodology that carries values forward reads
    the earlier years). The output has unit, score, one column per pillar and rank, scores rounded to 4
    decimals and ranked as the ministry ranks (equal scores share a rank, the next is skipped). It is the
    warehouse's own index engine, for any methodology the pipeline accepts.

    \b
    Ví dụ / Example:
      dti score --methodology dti-922 main_indices_2023.csv -o dti_2023.csv
    """
    from sources.index.user_tables import ScoreInputError, read_table, score_table
    from sources.reference.provinces import ProvinceRegister

    methodology = _methodology(methodology_name)
    try:
        result = score_table(read_table(input_csv), methodology, ProvinceRegister(), merge_to_34=merge_to_34, year=year)
    except ScoreInputError as exc:
        fail(f"{input_csv}: {exc}")
    _table_out(result, output, f"{result.height} unit(s), methodology {methodology.version}", echo_summary=False)


@click.command(context_settings=CONTEXT)
@click.option(
    "--methodology",
    "methodology_name",
    default="default",
    show_default=True,
    help=METHODOLOGY_HELP + " Mục `uncertainty` của nó cho biết những gì được rút mẫu / Its `uncertainty` "
    "section says what is drawn.",
)
@click.option(
    "--samples",
    type=click.IntRange(100, 1_000_000),
    help="Số mẫu Monte Carlo (mặc định: của phương pháp, 10.000) / Monte Carlo samples (default: the "
    "methodology's, 10,000).",
)
@click.option(
    "--merge-to-34",
    is_flag=True,
    help="Trước hết gộp 63 đơn vị cũ thành 34 (như `dti score`) / First merge "
    "the 63 former units into the 34 current ones (as `dti score`).",
)
@click.option("--year", type=int, help=YEAR_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=OUTPUT_HELP)
@INPUT
def uncertainty(
    methodology_name: str,
    samples: int | None,
    merge_to_34: bool,
    year: int | None,
    output: Path | None,
    input_csv: Path,
) -> None:
    """Độ chắc chắn của hạng / How sure each rank is (Monte Carlo)

    Một mô phỏng Monte Carlo trên các lựa chọn của phương pháp. INPUT.csv có định dạng như của `dti score`.
    Mỗi mẫu xê dịch mọi trọng số trong nút cha của nó (mặc định ±25%) và rút phép chuẩn hoá, phép tổng hợp
    và cách bù số liệu thiếu từ các phương án phương pháp liệt kê; hạt giống cố định nên chạy lại cho cùng
    kết quả. Kết quả có unit, rank (của chính phương pháp), median_rank, rank_p05, rank_p95 (khoảng phân vị
    5-95), tie_group (khoảng chồng nhau: ngang nhau về thống kê) và lựa chọn làm hạng thay đổi nhiều nhất.

    A Monte Carlo over the methodology's choices. INPUT.csv has the format of `dti score`. Each sample
    perturbs every weight within its parent (±25% by default) and draws the normalisation, the aggregation
    and the imputation from the alternatives the methodology lists; the seed is fixed, so a re-run gives
    the same result. The output has unit, rank (the methodology's own), median_rank, rank_p05, rank_p95
    (the 5th-95th percentile interval), tie_group (overlapping intervals: statistically tied) and the
    choice that moves the rank most.

    \b
    Ví dụ / Example:
      dti uncertainty --methodology dti-922 main_indices_2023.csv --samples 10000 -o intervals.csv
    """
    from sources.index.user_tables import ScoreInputError, read_table, uncertainty_of_table
    from sources.reference.provinces import ProvinceRegister

    methodology = _methodology(methodology_name)
    try:
        result, summary = uncertainty_of_table(
            read_table(input_csv), methodology, ProvinceRegister(), merge_to_34=merge_to_34, year=year, samples=samples
        )
    except ScoreInputError as exc:
        fail(f"{input_csv}: {exc}")
    _table_out(result, output, summary)


@click.command(context_settings=CONTEXT)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table để đọc, csv hoặc json cho chương trình khác / table for reading, csv or json for other programs.",
)
@click.option(
    "--limit", type=int, default=100, show_default=True, help="Số dòng hiện ở dạng table / Rows shown in table format."
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Đọc nhiều nhất bấy nhiêu dòng; kết quả dài hơn bị cắt, có thông báo / At most this many rows are "
    "read; a longer result is cut, with a notice.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Dừng truy vấn sau bấy nhiêu giây / Stop the query after this many seconds.",
)
@click.argument("query")
def sql(output_format: str, limit: int, max_rows: int, timeout: float, query: str) -> None:
    """Truy vấn dữ liệu đã công bố / Query the published warehouse

    Chạy QUERY trên bản sao đã công bố (dùng được cả khi một lượt chạy đang ghi): một câu lệnh đọc (SELECT,
    FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, CALL, PRAGMA) và không gì khác: không đọc hay ghi tệp nào,
    không ATTACH, không extension, không đổi thiết lập; kết quả có giới hạn (--max-rows) và truy vấn bị dừng
    sau --timeout giây.

    Runs QUERY on the published copy (it can be used while a run writes): one reading statement (SELECT,
    FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, CALL, PRAGMA) and nothing else: no file read or written, no
    ATTACH, no extension, no setting changed; the result is capped (--max-rows) and the query stopped after
    --timeout seconds.

    \b
    Ví dụ / Examples:
      dti sql "SELECT rank, province_name, score FROM marts.latest_ranking"
      dti sql "SELECT table_name, comment FROM duckdb_tables()"
      dti sql --format csv "SELECT * FROM marts.latest_target_gaps" > gaps.csv
    """
    from sources.warehouse.sql_door import SqlDoorError, query_published

    failure = None
    try:
        result = query_published(DataHome.from_env().published, query, max_rows=max_rows, timeout_s=timeout)
    except SqlDoorError as exc:
        failure = exc.line()
    if failure:  # said outside the handler: no traceback keeps the query's frames (and connection) alive to exit
        click.secho(f"lỗi / error: {failure}", fg="red", err=True)
        sys.exit(1)
    click.echo(result.render(output_format, limit), nl=False)
    if notice := result.notice():
        click.secho(notice, fg="yellow", err=True)


@click.command(context_settings=CONTEXT)
@click.option(
    "--province",
    required=True,
    help="Mã hoặc tên tỉnh (có dấu hay không) / Province code or name (with or without diacritics).",
)
@click.option("--from", "year_from", type=int, required=True, help="Năm gốc / Year compared from.")
@click.option("--to", "year_to", type=int, required=True, help="Năm so sánh / Year compared to.")
def explain(province: str, year_from: int, year_to: int) -> None:
    """Vì sao điểm và hạng thay đổi / Why a score and a rank moved

    Trên bản sao đã công bố: thay đổi điểm chỉ số của tỉnh giữa hai năm bất kỳ, tách chính xác thành phần của
    từng chỉ tiêu (thay đổi giá trị, thay đổi trọng số hoặc độ bao phủ, thay đổi phương pháp; tổng các phần bằng
    thay đổi điểm), và những tỉnh nó đã vượt qua hoặc bị vượt qua. So 2024 (63 đơn vị) với 2025 (34 đơn vị)
    trên chuỗi quy về 34 đơn vị.

    On the published copy: the province's index score change between any two years, split exactly into one
    part per indicator (value change, weight or coverage change, methodology change; the parts add up to
    the change), and the provinces it overtook and that overtook it. 2024 (63 units) is compared with 2025
    (34 units) on the series restated on the 34 units.

    \b
    Ví dụ / Example:
      dti explain --province "Thái Nguyên" --from 2024 --to 2025
    """
    import duckdb

    from sources.index.explain import ExplainError, explain_province

    published = DataHome.from_env().published
    if not published.exists():
        fail(f"chưa có bản sao công bố / nothing published yet: {published} (dti run)")
    failure = None
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            text = explain_province(con, province, year_from, year_to)
        except ExplainError as exc:
            failure = str(exc)
    if failure:
        fail(failure)
    click.echo(text)


def _pairs(options: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """`node.child=number` options as {node: {child: number}}."""
    table: dict[str, dict[str, float]] = {}
    for option in options:
        key, _, number = option.partition("=")
        node, _, child = key.partition(".")
        try:
            table.setdefault(node.strip(), {})[child.strip()] = float(number)
        except ValueError:
            fail(f"--weight {option}: viết / write node.child=number, e.g. index.government=2")
    return table


@click.command(context_settings=CONTEXT)
@click.option("--year", type=int, required=True, help="Năm báo cáo / Reporting year.")
@click.option("--methodology", "methodology_name", default="default", show_default=True, help=METHODOLOGY_HELP)
@click.option(
    "--against",
    "against_name",
    metavar="METHODOLOGY",
    help="So sánh với một phương pháp khác (tên hoặc tệp YAML), cạnh nhau / Compare with another methodology "
    "(name or YAML file), side by side.",
)
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="NODE.CHILD=FACTOR",
    help="Nhân trọng số của một thành phần (2 là gấp đôi; lặp lại được) / Multiply a child's weight (2 doubles "
    "it; repeatable).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="CODE",
    help="Bỏ một chỉ tiêu (lặp lại được) / Leave an indicator out (repeatable).",
)
@click.option(
    "--normalisation",
    type=click.Choice(["goalposts", "minmax", "zscore", "rank"]),
    help="Một phép chuẩn hoá cho mọi chỉ tiêu / One normalisation for every indicator.",
)
@click.option(
    "--aggregation",
    type=click.Choice(["arithmetic", "geometric"]),
    help="Một phép tổng hợp cho mọi nút / One aggregation for every node.",
)
@click.option(
    "--changes",
    "changes_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Tệp YAML các thay đổi (multiply_weights, weights, normalisation, aggregation, exclude, values) / A YAML "
    "file of changes; the options are added to it.",
)
def whatif(
    year: int,
    methodology_name: str,
    against_name: str | None,
    weights: tuple[str, ...],
    exclude: tuple[str, ...],
    normalisation: str | None,
    aggregation: str | None,
    changes_file: Path | None,
) -> None:
    """Nếu thay đổi thì sao / What if the weights, methods or values changed

    Tính lại bảng xếp hạng của một năm trên số liệu đã công bố (chuỗi như báo cáo) bằng chính bộ máy tính chỉ
    số, với các thay đổi: trọng số, phép chuẩn hoá hoặc tổng hợp, bỏ chỉ tiêu, giá trị của một tỉnh (trong tệp
    YAML: values: {mã tỉnh: {chỉ tiêu: giá trị}}). In bảng xếp hạng mới bên cạnh bảng cũ, độ dịch hạng, khoảng
    hạng mới theo độ bất định của phương pháp đã thay đổi (phân vị 5–95 của mô phỏng Monte Carlo) và tương
    quan hạng Spearman giữa hai bảng.

    Ranks a year again on the published values (as reported) with the index engine itself, with changes:
    weights, normalisation or aggregation, indicators left out, a province's values (in the YAML file:
    values: {province code: {indicator: value}}). Prints the new ranking beside the old one, each rank
    shift, each new rank's interval under the changed methodology's uncertainty (5th-95th percentile of the
    Monte Carlo) and the Spearman rank correlation of the two.

    \b
    Ví dụ / Examples:
      dti whatif --year 2025 --weight index.government=2
      dti whatif --year 2024 --aggregation geometric --exclude dx_districts_pct
      dti whatif --year 2025 --changes changes.yaml
      dti whatif --year 2023 --against other_method.yaml
    """
    import duckdb
    import yaml
    from pydantic import ValidationError

    from sources.index.methodology import read_yaml
    from sources.index.whatif import Changes, WhatIfError, published_values, what_if, what_if_intervals, what_if_text

    methodology = _methodology(methodology_name)
    try:
        raw = read_yaml(changes_file.read_text(encoding="utf-8")) if changes_file else {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        fail(f"{changes_file}: không đọc được YAML / not readable YAML: {exc}")
    multiply = raw.get("multiply_weights", {}) if isinstance(raw, dict) else {}
    for node, children in _pairs(weights).items():
        multiply.setdefault(node, {}).update(children)
    options = {"multiply_weights": multiply, "exclude": [*(raw or {}).get("exclude", []), *exclude]}
    options |= {k: v for k, v in (("normalisation", normalisation), ("aggregation", aggregation)) if v}
    try:
        changes = Changes.model_validate({**(raw or {}), **options})
    except ValidationError as exc:
        fail(f"{changes_file or 'changes'}: {exc}")
    published = DataHome.from_env().published
    if not published.exists():
        fail(f"chưa có bản sao công bố / nothing published yet: {published} (dti run)")
    failure = None
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            values, units = published_values(con, year)
        against = _methodology(against_name) if against_name else None
        table, rho = what_if(values, units, methodology, year, changes, against)
        intervals = what_if_intervals(values, units, methodology, year, changes, against)
        table = table.join(intervals.select("province_code", "rank_p05", "rank_p95"), on="province_code", how="left")
    except WhatIfError as exc:
        failure = str(exc)
    if failure:
        fail(failure)
    versions = (methodology.version, (against or methodology).version)
    click.echo(what_if_text(table, rho, year, changes, versions))


@click.command(context_settings=CONTEXT)
@click.option(
    "--province",
    required=True,
    help="Mã hoặc tên tỉnh (có dấu hay không) / Province code or name (with or without diacritics).",
)
@click.option("--methodology", "methodology_name", default="default", show_default=True, help=METHODOLOGY_HELP)
def plan(province: str, methodology_name: str) -> None:
    """Cần gì để đạt mục tiêu / What it takes to reach a target

    Trên bản sao đã công bố: với mỗi mục tiêu thứ hạng hoặc điểm của tỉnh còn ở phía trước (nghị quyết của
    tỉnh, hoặc của đơn vị cũ mà tỉnh kế thừa), mức cải thiện nhỏ nhất để đạt, từng chỉ tiêu theo đơn vị đo của
    nó, khi các tỉnh khác giữ nguyên và khi họ theo xu hướng của mình; kiểm tra lại bằng bộ máy tính chỉ số, và
    xác suất đạt theo độ bất định của phương pháp.

    On the published copy: for each rank or score target of the province still ahead (its resolution's, or
    that of a former unit it succeeds), the smallest improvement that reaches it, indicator by indicator in
    each one's unit, if the other provinces stay and if they follow their trends; checked again by the index
    engine, with the probability of reaching it under the methodology's uncertainty.

    \b
    Ví dụ / Example:
      dti plan --province "Thái Nguyên"
    """
    import duckdb

    from sources.index.plan import PlanError, plan_text

    methodology = _methodology(methodology_name)
    published = DataHome.from_env().published
    if not published.exists():
        fail(f"chưa có bản sao công bố / nothing published yet: {published} (dti run)")
    failure = None
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            text = plan_text(con, methodology, province)
        except PlanError as exc:
            failure = str(exc)
    if failure:
        fail(failure)
    click.echo(text)


COMMANDS = (sql, score, uncertainty, explain, whatif, plan)
