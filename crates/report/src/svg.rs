//! Horizontal bar charts as inline SVG: the report is one static file with no scripts and no
//! external assets, so charts are drawn as plain shapes with their numbers written beside them
//! (readable without the chart, and by screen readers via `<title>`).

use crate::escape::escape_html;
use std::fmt::Write as _;

/// Width of the label column, in SVG user units.
const LABEL_WIDTH: u64 = 240;
/// Width available to the longest bar.
const BAR_WIDTH: u64 = 380;
/// Height of one bar row.
const ROW_HEIGHT: u64 = 24;
/// Room for the value printed after a bar.
const VALUE_WIDTH: u64 = 110;

/// One bar: a label and a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Text shown left of the bar (escaped when drawn).
    pub label: String,
    /// The bar's value.
    pub value: u64,
}

impl Bar {
    /// A bar with `label` and `value`.
    pub fn new(label: impl Into<String>, value: u64) -> Bar {
        Bar {
            label: label.into(),
            value,
        }
    }
}

/// An inline `<svg>` horizontal bar chart titled `title`; bar lengths are proportional to the
/// largest value (a non-zero value always gets at least one unit so it stays visible). Empty
/// input gives an empty string.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
    let height = ROW_HEIGHT * bars.len() as u64 + 4;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\"><title>{}</title>",
        escape_html(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = ROW_HEIGHT * i as u64 + 2;
        // Integer arithmetic keeps the output byte-identical across platforms.
        let len = if bar.value == 0 {
            0
        } else {
            (bar.value.saturating_mul(BAR_WIDTH) / max).max(1)
        };
        let label = escape_html(&bar.label);
        let _ = write!(
            svg,
            "<g><title>{label}: {value}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{len}\" height=\"{bh}\"></rect>\
             <text x=\"{vx}\" y=\"{ty}\">{value}</text></g>",
            value = bar.value,
            lx = LABEL_WIDTH - 8,
            ty = y + 15,
            bh = ROW_HEIGHT - 6,
            vx = LABEL_WIDTH + len + 6,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_to_the_largest_value() {
        let svg = bar_chart(
            "t",
            &[Bar::new("a", 100), Bar::new("b", 50), Bar::new("c", 0)],
        );
        assert!(svg.contains("width=\"380\" height=\"18\""), "{svg}");
        assert!(svg.contains("width=\"190\" height=\"18\""), "{svg}");
        assert!(svg.contains("width=\"0\" height=\"18\""), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn tiny_values_stay_visible() {
        let svg = bar_chart("t", &[Bar::new("big", 1_000_000), Bar::new("one", 1)]);
        assert!(svg.contains("width=\"1\" height=\"18\""), "{svg}");
    }

    #[test]
    fn labels_and_title_are_escaped() {
        let svg = bar_chart("<t>", &[Bar::new("<b>&", 3)]);
        assert!(svg.contains("<title>&lt;t&gt;</title>"));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn no_bars_no_chart() {
        assert_eq!(bar_chart("t", &[]), "");
    }
}
