//! Accuracy harness: generates a labelled synthetic corpus (English and Chinese sentences with
//! entities at known spans, plus hard negatives: order, invoice and tracking numbers, timestamps,
//! version strings, 18-digit numbers failing the ID checksum, card-like numbers failing Luhn)
//! and prints exact-span precision and recall per entity type, worst recall first. Run with
//! `cargo run --release -p sluice-redact --example redact_eval [records]`.
//!
//! Every value is generated here (test domains, computed check digits); none is real.

use sluice_redact::Engine;
use sluice_redact::validators::{gb11643, luhn};
use std::collections::{BTreeMap, BTreeSet};

/// A small deterministic generator (64-bit LCG), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn mobile(r: &mut Rng) -> String {
    let prefix = r.pick(&["138", "139", "150", "186", "199", "177", "133"]);
    format!("{prefix}{}", r.digits(8))
}

fn email(r: &mut Rng) -> String {
    let user = r.pick(&["zhang.san", "li_si", "Wang.Wu", "chen+news", "ZHAO"]);
    let domain = r.pick(&[
        "example.com",
        "example.org",
        "mail.example.cn",
        "EXAMPLE.NET",
    ]);
    format!("{user}{}@{domain}", r.below(1000))
}

fn resident_id(r: &mut Rng) -> String {
    let area = r.pick(&["110101", "310104", "440305", "510107", "330106"]);
    let body = format!(
        "{area}{}{:02}{:02}{}",
        1950 + r.below(60),
        1 + r.below(12),
        1 + r.below(28),
        r.digits(3)
    );
    let check = gb11643::check_char(body.as_bytes()).map_or('0', char::from);
    format!("{body}{check}")
}

fn luhn_complete(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|c| luhn::is_valid(c.as_bytes()))
        .unwrap_or_default()
}

fn card(r: &mut Rng) -> String {
    match r.below(3) {
        0 => luhn_complete(&format!("4{}", r.digits(14))),
        1 => luhn_complete(&format!("62{}", r.digits(16))),
        _ => luhn_complete(&format!("5{}{}", 1 + r.below(5), r.digits(13))),
    }
}

fn iban(r: &mut Rng) -> String {
    let bban = format!("WEST{}", r.digits(14));
    let rotated = format!("{bban}GB00");
    let mut rest = 0u32;
    for c in rotated.bytes() {
        rest = match c {
            b'0'..=b'9' => (rest * 10 + u32::from(c - b'0')) % 97,
            _ => (rest * 100 + u32::from(c - b'A') + 10) % 97,
        };
    }
    format!("GB{:02}{bban}", 98 - rest)
}

fn ipv4(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        1 + r.below(223),
        r.below(256),
        r.below(256),
        1 + r.below(254)
    )
}

fn aws_key(r: &mut Rng) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..16)
        .map(|_| char::from(alphabet[r.below(32) as usize]))
        .collect();
    format!("AKIA{tail}")
}

/// A 13-digit Luhn-valid Visa number after a card word (a card only with the word).
fn visa_13(r: &mut Rng) -> (String, String) {
    let word = r.pick(&["Visa card ", "信用卡", "card no. ", "卡号"]);
    (
        word.to_owned(),
        luhn_complete(&format!("4{}", r.digits(11))),
    )
}

/// A national-format phone number (US, UK, DE, FR, JP, HK, SG) after a phone word.
fn national_phone(r: &mut Rng) -> (String, String) {
    let word = r.pick(&[
        "Tel: ", "phone ", "电话", "call ", "手机", "Telefon ", "携帯",
    ]);
    let number = match r.below(7) {
        0 => format!(
            "({}) {}-{}",
            200 + r.below(700),
            200 + r.below(700),
            r.digits(4)
        ),
        1 => format!("020 {} {}", 7000 + r.below(1000), r.digits(4)),
        2 => format!("0151 {}", r.digits(8)),
        3 => format!(
            "01 {} {} {} {}",
            r.digits(2),
            r.digits(2),
            r.digits(2),
            r.digits(2)
        ),
        4 => format!("090-{}-{}", r.digits(4), r.digits(4)),
        5 => format!("{} {}", 9000 + r.below(1000), r.digits(4)),
        _ => format!("{} {}", 6000 + r.below(1000), r.digits(4)),
    };
    (word.to_owned(), number)
}

/// Hard negatives: look-alikes no detector may report.
fn negative(r: &mut Rng) -> String {
    match r.below(11) {
        7 => format!("invoice 0{}", r.digits(9)),
        8 => format!("order {} {}", 2000 + r.below(8000), r.digits(4)),
        9 => format!("订单号4{}", r.digits(12)),
        10 => format!("ref ({}) {}", 100 + r.below(900), r.digits(7)),
        0 => format!("订单号{}", r.digits(13)),
        1 => format!("invoice INV-{}-{}", 2020 + r.below(6), r.digits(6)),
        2 => format!("tracking SF{}", r.digits(12)),
        3 => format!(
            "at 2024-0{}-1{} 1{}:2{}:3{}",
            1 + r.below(9),
            r.below(10),
            r.below(10),
            r.below(10),
            r.below(10)
        ),
        4 => format!(
            "version v{}.{}.{}.{}",
            r.below(10),
            r.below(20),
            r.below(10),
            r.below(100)
        ),
        5 => {
            // 18 digits failing the ID checksum.
            let id = resident_id(r);
            let last = if id.ends_with('0') { '1' } else { '0' };
            format!("编号{}{last}", &id[..17])
        }
        _ => {
            let valid = card(r);
            let last = valid.as_bytes()[valid.len() - 1];
            let bumped = char::from(b'0' + (last - b'0' + 1) % 10);
            format!("卡号{}{bumped}", &valid[..valid.len() - 1])
        }
    }
}

type Labelled = (String, Vec<(usize, usize, &'static str)>);

fn record(r: &mut Rng) -> Labelled {
    let templates_zh = ["客户反映：{}，请尽快处理。", "联系方式{}，谢谢", "备注{}。"];
    let templates_en = [
        "Please contact {} today.",
        "Customer data: {}; done.",
        "see {}",
    ];
    let mut text = String::new();
    let mut spans = Vec::new();
    for _ in 0..1 + r.below(3) {
        let mut label = String::new();
        let (value, entity) = match r.below(11) {
            9 => {
                let (word, card) = visa_13(r);
                label = word;
                (card, "PAYMENT_CARD")
            }
            10 => {
                let (word, phone) = national_phone(r);
                label = word;
                (phone, "PHONE")
            }
            0 => (mobile(r), "PHONE"),
            1 => (email(r), "EMAIL"),
            2 => (resident_id(r), "CN_RESIDENT_ID"),
            3 => (card(r), "PAYMENT_CARD"),
            4 => (iban(r), "IBAN"),
            5 => (ipv4(r), "IP_ADDRESS"),
            6 => (aws_key(r), "SECRET_AWS_KEY"),
            _ => (negative(r), ""),
        };
        let template = if r.below(2) == 0 {
            r.pick(&templates_zh)
        } else {
            r.pick(&templates_en)
        };
        let (head, tail) = template.split_once("{}").unwrap_or((template, ""));
        text.push_str(head);
        text.push_str(&label);
        if !entity.is_empty() {
            spans.push((text.len(), text.len() + value.len(), entity));
        }
        text.push_str(&value);
        text.push_str(tail);
        text.push(' ');
    }
    (text, spans)
}

fn main() {
    let records: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let Ok(engine) = Engine::all() else {
        eprintln!("the catalogue does not build");
        std::process::exit(2);
    };
    let show_false_positives = std::env::var_os("EVAL_SHOW_FP").is_some();
    let mut rng = Rng(0x5eed);
    // entity → (true positives, false positives, false negatives)
    let mut counts: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    for _ in 0..records {
        let (text, expected) = record(&mut rng);
        let found: BTreeSet<(usize, usize, &str)> = engine
            .detect(&text)
            .into_iter()
            .map(|d| (d.start, d.end, d.entity))
            .collect();
        let expected: BTreeSet<(usize, usize, &str)> = expected.into_iter().collect();
        for hit in &found {
            let entry = counts.entry(hit.2).or_default();
            if expected.contains(hit) {
                entry.0 += 1
            } else {
                entry.1 += 1;
                // The corpus is synthetic, so showing a false positive leaks nothing.
                if show_false_positives {
                    println!("FP {}: {}", hit.2, &text[hit.0..hit.1]);
                }
            }
        }
        for miss in expected.difference(&found) {
            counts.entry(miss.2).or_default().2 += 1;
        }
    }
    // Private and reserved addresses with `keep_private_ip`: none may be reported, while the
    // public addresses next to them still are.
    if let Ok(mut keeping) = Engine::all() {
        keeping.set_keep_private_ip(true);
        let mut rng = Rng(0x1b);
        let entry = counts.entry("IP_KEEP_PRIVATE").or_default();
        for _ in 0..records / 10 {
            let private = match rng.below(5) {
                0 => format!(
                    "10.{}.{}.{}",
                    rng.below(256),
                    rng.below(256),
                    1 + rng.below(254)
                ),
                1 => format!("192.168.{}.{}", rng.below(256), 1 + rng.below(254)),
                2 => format!(
                    "172.{}.{}.{}",
                    16 + rng.below(16),
                    rng.below(256),
                    1 + rng.below(254)
                ),
                3 => format!("127.0.0.{}", 1 + rng.below(254)),
                _ => format!("198.51.100.{}", 1 + rng.below(254)),
            };
            let public = format!(
                "8.{}.{}.{}",
                rng.below(256),
                rng.below(256),
                1 + rng.below(254)
            );
            let text = format!("内网{private}，公网 {public} 登录");
            let start = text.find(&public).unwrap_or(0);
            let found: Vec<(usize, usize)> = keeping
                .detect(&text)
                .into_iter()
                .map(|d| (d.start, d.end))
                .collect();
            for hit in &found {
                if *hit == (start, start + public.len()) {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
            }
            if !found.contains(&(start, start + public.len())) {
                entry.2 += 1;
            }
        }
    }
    let mut rows: Vec<(&str, f64, f64, u64)> = counts
        .iter()
        .map(|(entity, &(tp, fp, fn_))| {
            let precision = tp as f64 / ((tp + fp) as f64).max(1.0);
            let recall = tp as f64 / ((tp + fn_) as f64).max(1.0);
            (*entity, precision, recall, tp + fn_)
        })
        .collect();
    rows.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.1.total_cmp(&b.1)));
    println!("{records} records, exact-span match; worst recall first");
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9}",
        "entity", "precision", "recall", "support", "false+"
    );
    for (entity, precision, recall, support) in rows {
        let false_positives = counts.get(entity).map_or(0, |c| c.1);
        println!("{entity:<16} {precision:>9.4} {recall:>9.4} {support:>9} {false_positives:>9}");
    }
}
