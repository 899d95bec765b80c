//! The report's charts, as inline SVG drawn here (no script, no library): findings by provider
//! and by exposure as horizontal bars, each a link that filters the table, and for git scans
//! the commits that added the secrets over time. Colours come from the page's CSS classes, so
//! the charts follow the light and dark themes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{counts, escape, fragment_value, ordered_counts, EXPOSURES};
use crate::report::github::exposure_word;
use crate::report::ScanReport;

/// Bar charts as inline SVG: findings by provider and by exposure, and for git scans the
/// dates of the commits that added the secrets, by month (by year over ten years).
pub(super) fn charts(report: &ScanReport<'_>) -> String {
    let f = report.findings;
    if f.is_empty() {
        return String::new();
    }
    let mut html = String::from("<div class=\"charts\">");
    let providers = counts(f, |f| f.provider.clone());
    html.push_str(&bar_chart(
        "Findings by provider",
        "provider",
        &providers,
        12,
    ));
    let exposure = ordered_counts(f, &EXPOSURES, |f| exposure_word(f.exposure).to_string());
    html.push_str(&bar_chart(
        "Findings by exposure",
        "exposure",
        &exposure,
        12,
    ));
    let dates: Vec<&str> = f.iter().filter_map(|f| f.git.date.as_deref()).collect();
    if !dates.is_empty() {
        html.push_str(&timeline(&dates));
    }
    html.push_str("</div>");
    html
}

/// Horizontal bars, one per name, at most `limit` (the rest summed into one bar).
fn bar_chart(title: &str, key: &str, counts: &[(String, usize)], limit: usize) -> String {
    let mut rows: Vec<(String, usize, bool)> = counts
        .iter()
        .take(limit)
        .map(|(k, n)| (k.clone(), *n, true))
        .collect();
    if counts.len() > limit {
        let rest: usize = counts[limit..].iter().map(|c| c.1).sum();
        rows.push((format!("{} others", counts.len() - limit), rest, false));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (150.0, 220.0, 22.0);
    let height = rows.len() as f64 * row_h + 4.0;
    let width = label_w + bar_w + 60.0;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         aria-label=\"{}\">",
        escape(title),
        escape(title)
    );
    for (i, (name, n, link)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 2.0;
        let w = (*n as f64 / max as f64 * bar_w).max(1.0);
        let label: String = if name.chars().count() > 22 {
            name.chars().take(21).chain(['…']).collect()
        } else {
            name.clone()
        };
        let bar = format!(
            "<title>{}: {n}</title><text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\
             <rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" class=\"bar\"/>\
             <text x=\"{:.1}\" y=\"{}\" class=\"value\">{n}</text>",
            escape(name),
            label_w - 6.0,
            y + 15.0,
            escape(&label),
            y + 3.0,
            row_h - 6.0,
            label_w + w + 4.0,
            y + 15.0,
        );
        if *link {
            let _ = write!(
                svg,
                "<a href=\"#{key}={}\">{bar}</a>",
                escape(&fragment_value(name))
            );
        } else {
            let _ = write!(svg, "<g>{bar}</g>");
        }
    }
    svg.push_str("</svg></figure>");
    svg
}

/// First-commit dates over time: one column per month from the first to the last (per year
/// when that spans more than ten years), empty months included so gaps show.
fn timeline(dates: &[&str]) -> String {
    let months: Vec<(i32, u32)> = dates.iter().filter_map(|d| year_month(d)).collect();
    let (Some(first), Some(last)) = (months.iter().min(), months.iter().max()) else {
        return String::new();
    };
    let span = (last.0 - first.0) * 12 + last.1 as i32 - first.1 as i32 + 1;
    let by_year = span > 120;
    let mut buckets: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let (mut y, mut m) = *first;
    while (y, m) <= *last {
        buckets.insert(if by_year { (y, 0) } else { (y, m) }, 0);
        m += 1;
        if m > 12 {
            (y, m) = (y + 1, 1);
        }
    }
    for &(y, m) in &months {
        *buckets
            .entry(if by_year { (y, 0) } else { (y, m) })
            .or_default() += 1;
    }
    let max = buckets.values().copied().max().unwrap_or(1).max(1);
    let n = buckets.len() as f64;
    let (width, plot_h, top, bottom) = (430.0, 120.0, 18.0, 22.0);
    let col_w = width / n;
    let height = top + plot_h + bottom;
    let title = if by_year {
        "Secrets added, by year of commit"
    } else {
        "Secrets added, by month of commit"
    };
    let mut svg = format!(
        "<figure><figcaption>{title}</figcaption><svg class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         aria-label=\"{title}\">"
    );
    let labels = buckets.len().div_ceil(6).max(1);
    for (i, (&(y, m), &count)) in buckets.iter().enumerate() {
        let name = if by_year {
            format!("{y}")
        } else {
            format!("{y}-{m:02}")
        };
        let h = count as f64 / max as f64 * plot_h;
        let x = i as f64 * col_w;
        let _ = write!(
            svg,
            "<g><title>{name}: {count}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
             height=\"{h:.1}\" class=\"bar\"/></g>",
            x + col_w * 0.1,
            top + plot_h - h,
            (col_w * 0.8).max(0.5),
        );
        if i % labels == 0 {
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"axis\">{name}</text>",
                top + plot_h + 15.0
            );
        }
    }
    let _ = write!(
        svg,
        "<line x1=\"0\" x2=\"{width}\" y1=\"{0}\" y2=\"{0}\" class=\"baseline\"/>\
         <text x=\"0\" y=\"12\" class=\"axis\">max {max}</text></svg></figure>",
        top + plot_h
    );
    svg
}

/// `(year, month)` of an RFC 3339 date.
fn year_month(date: &str) -> Option<(i32, u32)> {
    let year = date.get(..4)?.parse().ok()?;
    let month = date.get(5..7)?.parse().ok()?;
    (date.as_bytes().get(4) == Some(&b'-') && (1..=12).contains(&month)).then_some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_history_chart_by_year() {
        assert_eq!(year_month("2019-07-01T00:00:00Z"), Some((2019, 7)));
        assert_eq!(year_month("2019-13-01"), None);
        assert_eq!(year_month("nope"), None);
        let chart = timeline(&["2001-01-05T00:00:00Z", "2024-06-01T00:00:00Z"]);
        assert!(chart.contains("by year of commit"));
        assert!(chart.contains("<title>2001: 1</title>"));
        assert!(chart.contains("<title>2010: 0</title>"));
    }
}
