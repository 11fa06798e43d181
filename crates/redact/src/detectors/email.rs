//! `email` (EMAIL): e-mail addresses with an ASCII local part.

use super::boundary::{Pattern, Resume, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use std::ops::Range;

/// Description shown by `sluice explain email`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "email",
    entity: "EMAIL",
    is_secret: false,
    summary: "E-mail addresses (ASCII local part, any case), also glued to Chinese labels.",
    doc: "Detects e-mail addresses: an ASCII local part of up to 64 chars from [A-Za-z0-9._%+-], \
`@`, one or more domain labels and an alphabetic top-level domain of 2-63 letters. Upper and \
lower case are both matched (ZHANG@QQ.COM). Full-width `＠` and `．` are folded before matching.\n\
Why it matters: an address identifies a person directly and is the most common contact detail \
in support tickets.\n\
The local-part class is ASCII on purpose: peers that use `\\w` swallow a glued Chinese label, \
so `邮箱zhangsan@example.com` must yield only `zhangsan@example.com`. Leading dots are not part \
of an address and are trimmed. Internationalised (IDN) domains are not detected yet.\n\
Example: `邮箱zhangsan@example.com，谢谢` -> `邮箱<EMAIL>，谢谢`.",
};

/// The core pattern. It is deliberately not `(?i)`: in Unicode mode that would add the Kelvin
/// sign and the long s to `[a-z]`; both cases are listed explicitly instead.
const PATTERN: &str = r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}";

/// Every match lies in one token run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Token,
    qualifies: |s| s.has_at && s.dots >= 1,
    overhang: 0,
};

struct Email {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(Email {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for Email {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.has_at && stats.has_dot
    }

    fn scope(&self) -> Option<Scope> {
        Some(SCOPE)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        scan_in(
            &self.pattern,
            text,
            windows,
            out,
            Resume::AfterEnd,
            |range| {
                let leading_dots = text[range.clone()]
                    .bytes()
                    .take_while(|b| *b == b'.')
                    .count();
                let trimmed = range.start + leading_dots..range.end;
                // A local part made only of dots is no address.
                (text.as_bytes().get(trimmed.start) != Some(&b'@')).then_some(trimmed)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;

    fn emails(text: &str) -> Vec<String> {
        let entry = CATALOGUE.iter().find(|e| e.info.code == "email").unwrap();
        found(entry, text)
    }

    #[test]
    fn finds_address_glued_to_han_label_without_the_label() {
        assert_eq!(
            emails("邮箱zhangsan@example.com，谢谢"),
            vec!["zhangsan@example.com"]
        );
    }

    #[test]
    fn finds_upper_case_and_subdomains() {
        assert_eq!(emails("mail ZHANG@QQ.COM now"), vec!["ZHANG@QQ.COM"]);
        assert_eq!(
            emails("to: John.Doe+tag@mail.Example.com.cn."),
            vec!["John.Doe+tag@mail.Example.com.cn"]
        );
    }

    #[test]
    fn finds_several_in_one_text() {
        assert_eq!(
            emails("a@b.co 和 c_d@e-f.org"),
            vec!["a@b.co", "c_d@e-f.org"]
        );
    }

    #[test]
    fn trims_leading_dots() {
        assert_eq!(emails("见...john@x.io"), vec!["john@x.io"]);
        assert!(emails("...@x.io").is_empty());
    }

    #[test]
    fn rejects_non_addresses() {
        for text in [
            "user@localhost",
            "@example.com",
            "张三@例子.中国",
            "a@b.c",
            "x@y.123",
            "no at sign.com",
        ] {
            assert!(emails(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn does_not_absorb_kelvin_sign_or_long_s() {
        assert_eq!(emails("\u{212A}ab@x.com"), vec!["ab@x.com"]);
        assert_eq!(emails("\u{17F}ab@x.com"), vec!["ab@x.com"]);
    }
}
