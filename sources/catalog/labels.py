"""The portal's words in Vietnamese (default) and English."""

from __future__ import annotations

LABELS = {
    "title": ("Chỉ số chuyển đổi số cấp tỉnh", "Provincial digital transformation index"),
    "releases": ("Các bản phát hành", "Releases"),
    "release": ("Bản phát hành", "Release"),
    "latest": ("mới nhất", "latest"),
    "years": ("Năm báo cáo", "Reporting years"),
    "files": ("Tệp tải về", "Downloads"),
    "ranking": ("Bảng xếp hạng", "Ranking"),
    "rank": ("Hạng", "Rank"),
    "band": ("Khoảng hạng (P5–P95)", "Rank interval (P5–P95)"),
    "province": ("Tỉnh/thành phố", "Province"),
    "score": ("Điểm chỉ số", "Index score"),
    "government": ("Chính quyền số", "Digital government"),
    "economy": ("Kinh tế số", "Digital economy"),
    "society": ("Xã hội số", "Digital society"),
    "change": ("Thay đổi hạng", "Rank change"),
    "filter": ("Lọc theo tên tỉnh…", "Filter by province…"),
    "history": ("Điểm qua các năm", "Scores over the years"),
    "targets": ("Mục tiêu và khoảng cách", "Targets and gaps"),
    "target": ("Mục tiêu", "Target"),
    "horizon": ("Năm phải đạt", "Horizon"),
    "actual": ("Giá trị thực tế", "Actual"),
    "gap": ("Khoảng cách", "Gap"),
    "status": ("Trạng thái", "Status"),
    "source": ("Nguồn", "Source"),
    "methodology": ("Phương pháp", "Methodology"),
    "run": ("Lượt chạy", "Run"),
    "synthetic": ("DỮ LIỆU MÔ PHỎNG — không phải số liệu chính thức. Chỉ dùng để thử nghiệm.",
                  "SYNTHETIC DATA — not official figures. For testing only."),
    "no_releases": ("Chưa có bản phát hành nào. Chạy `dti run` trước.", "No release yet. Run `dti run` first."),
    "not_ranked": ("không xếp hạng", "not ranked"),
    "rank_of": ("Hạng {rank}/{units} năm {year}", "Rank {rank} of {units} in {year}"),
    "chart_scores": ("Điểm chỉ số năm {year}", "Index scores {year}"),
    "report": ("Báo cáo (HTML)", "Report (HTML)"),
    "no_targets": ("Không có mục tiêu được theo dõi.", "No target tracked."),
    "switch": ("English", "Tiếng Việt"),
}


def words(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in LABELS.items()}
