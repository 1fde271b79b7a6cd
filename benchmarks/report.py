"""docs/performance.md's measured part, rendered from the JSON reports between two markers (prose stays as written)."""

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (written by make bench) -->", "<!-- bench:end -->"
# (row, what is compared, target): issue 10's targets.
TARGETS = (
    ("product_detail", "vs_ceiling", 0.5),
    ("products_list", "vs_ceiling", 0.5),
    ("order_detail", "vs_ceiling", 0.35),
    ("order_detail", "vs_baseline", 5.0),
    ("customers_by_spent", "vs_baseline", 20.0),
    ("product_search", "vs_baseline", 10.0),
    ("catalog_page", "vs_ceiling", 0.3),
    ("create_order", "vs_baseline", 0.8),
)


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def endpoint_table(report: dict[str, Any], small: dict[str, Any] | None) -> list[str]:
    lines = [
        "| endpoint | req/s (median, range) | p50 ms | p99 ms | p99 ms at small scale | vs ceiling "
        "| baseline | baseline req/s | baseline p99 ms | vs baseline (median, range) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, row in report["rows"].items():
        app = row["app"]
        low, high = app["req_per_s_range"]
        small_p99 = small["rows"][key]["app"]["p99_ms"] if small and key in small.get("rows", {}) else None
        baseline = row.get("baseline")
        cells = [
            row["title"],
            f"{app['req_per_s']:,.0f} ({low:,.0f}-{high:,.0f})",
            f"{app['p50_ms']:.1f}",
            f"{app['p99_ms']:.1f}",
            "—" if small_p99 is None else f"{small_p99:.1f}",
            ratio(row.get("vs_ceiling")),
        ]
        if baseline:
            low_ratio, high_ratio = row["vs_baseline_range"]
            cells += [
                baseline["title"],
                f"{baseline['req_per_s']:,.0f}",
                f"{baseline['p99_ms']:.1f}",
                f"{row['vs_baseline']:.2f}x ({low_ratio:.2f}-{high_ratio:.2f})",
            ]
        else:
            cells += ["—", "—", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def cpu_lines(report: dict[str, Any]) -> list[str]:
    """What a request of each metered (write) row cost the machine, by process group: see benchmarks/cpu_use.py."""
    metered = {key: row for key, row in report["rows"].items() if "cpu_ms_per_request" in row["app"]}
    if not metered:
        return []
    groups = [name for name in next(iter(metered.values()))["app"]["cpu_ms_per_request"] if name != "total"]
    lines = [
        "",
        "CPU ms per request (median over the rounds; each run metered until every projection and reactor had "
        "caught up, so the worker's share counts whether it kept up during the run or after it):",
        "",
        "| endpoint | side | " + " | ".join(groups) + " | total |",
        "|---|---|" + "---|" * (len(groups) + 1),
    ]
    for row in metered.values():
        for side in ("app", "baseline"):
            used = row.get(side, {}).get("cpu_ms_per_request")
            if used:
                cells = [f"{used[name]:.2f}" for name in [*groups, "total"]]
                lines.append(f"| {row['title']} | {side} | " + " | ".join(cells) + " |")
        if "vs_baseline_cpu" in row:
            low, high = row["vs_baseline_cpu_range"]
            lines += [
                "",
                f"{row['title']}: a baseline request costs {row['vs_baseline_cpu']:.2f}x ({low:.2f}-{high:.2f}) "
                "the CPU of an app request (with web, worker and PostgreSQL on the same cores, the req/s ratio "
                "tends to it).",
            ]
    return lines


def target_table(report: dict[str, Any], small: dict[str, Any] | None) -> list[str]:
    lines = ["| target | measured | met? |", "|---|---|---|"]
    rows = report["rows"]
    for key, field, target in TARGETS:
        value = rows.get(key, {}).get(field)
        against = "the minimal view" if field == "vs_ceiling" else "its baseline"
        verdict = "—" if value is None else ("yes" if value >= target else f"no: {value / target:.0%} of the target")
        lines.append(f"| {rows[key]['title']}: ≥ {target}x {against} | {ratio(value)} | {verdict} |")
    if small:
        for key, row in rows.items():
            if key in small["rows"] and key != "ceiling":
                growth = row["app"]["p99_ms"] / small["rows"][key]["app"]["p99_ms"]
                verdict = "yes" if growth <= 1.5 else "no"
                lines.append(f"| {row['title']}: p99 within 1.5x from small to full | {growth:.2f}x | {verdict} |")
    visible = report.get("command_to_visible")
    if visible:
        verdict = "yes" if visible["visible_p99_ms"] <= 200 else "no"
        lines.append(
            f"| command → read-visible p99 ≤ 200 ms at half the command rate | {visible['visible_p99_ms']:.0f} ms "
            f"| {verdict} |"
        )
    return lines


def environment_lines(report: dict[str, Any]) -> list[str]:
    machine, setup, sizes = report["machine"], report["setup"], report["sizes"]
    lines = [
        f"- Run: {report['measured_at']}, scale **{report['scale']['name']}** "
        f"({report['scale']['customers']:,} customers, {report['scale']['products']:,} products, "
        f"{report['scale']['orders']:,} orders; {sizes['events']:,} events), seeded in {report['seed_seconds']:.0f} s.",
        f"- Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['platform']}; "
        f"load average {machine['load_before']} before, {machine['load_after']} after the run.",
        f"- Versions: Python {machine['python']}, Django {machine['django']}, DRF {machine['drf']}, "
        f"gunicorn {machine['gunicorn']}, {machine['postgresql']}, Redis {machine['redis']}, {machine['wrk']}.",
        f"- Web: {setup['web']}; worker: {setup['worker']}; load: {setup['load']}.",
        f"- Sizes: write DB {sizes['write_db']}, read DB {sizes['read_db']}; "
        + ", ".join(f"{name} {count:,}" for name, count in sizes["rows"].items())
        + ".",
    ]
    if machine.get("other_work"):
        lines.append(f"- Other work on the machine during the run: {machine['other_work']}.")
    return lines


def render(report: dict[str, Any], small: dict[str, Any] | None) -> str:
    parts = ["### Environment", "", *environment_lines(report), "", "### Endpoints, side by side", ""]
    parts += endpoint_table(report, small)
    parts += cpu_lines(report)
    visible = report.get("command_to_visible")
    if visible:
        parts += [
            "",
            f"Command → read-visible: {visible['commands']} create-order commands at {visible['rate_per_s']} a second "
            "(half the measured create-order rate), each visible once the orders' read position (read every 5 ms "
            "by one thread) reached the position its 202 named: "
            f"202 after p50 {visible['accepted_p50_ms']} ms / p99 {visible['accepted_p99_ms']} ms; "
            f"visible after p50 {visible['visible_p50_ms']} ms / p99 {visible['visible_p99_ms']} ms "
            f"(max {visible['visible_max_ms']} ms).",
        ]
    for error in report.get("errors", []):
        parts += ["", f"**Failed in this run:** {error}"]
    parts += ["", "### Against the targets of issue 10", "", *target_table(report, small)]
    profiles = report.get("profiles")
    if profiles:
        parts += ["", "### Profile shares (py-spy, one worker, % of samples whose stack contains…)", ""]
        names = list(profiles)
        parts += ["| bucket | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for bucket in profiles[names[0]]:
            if bucket in ("pid", "raw"):
                continue
            parts.append(f"| {bucket} | " + " | ".join(str(profiles[name].get(bucket, "")) for name in names) + " |")
    return "\n".join(parts)


def write_doc(report: dict[str, Any], small: dict[str, Any] | None) -> None:
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(f"{head}{BEGIN}\n{render(report, small)}\n{END}{tail}")
