//! HTML escaping. Every string that comes from a manifest (pipeline names, paths, reason codes,
//! record ids) goes through [`escape_html`] before it reaches the page, so a name such as
//! `<script>` shows as text and cannot inject markup into the report.

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references; safe in element
/// content and in double- or single-quoted attribute values. Control characters other than tab,
/// newline and carriage return (not allowed in HTML) become U+FFFD.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn plain_and_chinese_text_is_unchanged() {
        assert_eq!(
            escape_html("support-tickets 工单 v1.0"),
            "support-tickets 工单 v1.0"
        );
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(escape_html("a\u{1}b\u{0}\tc\n"), "a\u{fffd}b\u{fffd}\tc\n");
    }

    #[test]
    fn already_escaped_text_is_escaped_again() {
        // The input is data, not markup: `&lt;` must display literally.
        assert_eq!(escape_html("&lt;"), "&amp;lt;");
    }
}
