//! `insurance-claims`: CSV claims with structured PII columns and a free-text description, one
//! file in UTF-8 (with a BOM) and one in GBK.

mod templates;

use super::{Output, Record, vary_negatives, vary_plants};
use crate::calendar::{days_from_civil, iso_date};
use crate::csv_text;
use crate::error::GenError;
use crate::names::{chinese_person, english_person};
use crate::pii::{self, CUSTOMER_DOMAINS, Entity};
use crate::rng::Rng;
use crate::schedule::{Plan, Pool, Schedule};
use crate::sink::{Compression, TextEncoding};
use crate::slots::Planter;
use crate::summary::DatasetSummary;
use crate::text::{KeyGuard, Variant, normalize_key};
use crate::truth::{Defect, Expectation, Negative, Plant, RowKind, TruthWriter};
use std::path::Path;
use templates::*;

/// Directory name of the dataset.
pub const NAME: &str = "insurance-claims";

/// The CSV header.
pub const COLUMNS: [&str; 9] = [
    "claim_id",
    "policy_no",
    "customer_name",
    "customer_id_number",
    "customer_phone",
    "email",
    "claim_amount",
    "incident_date",
    "description",
];

/// One claims file: name, encoding, README description, record terminator, records at scale 1,
/// incident year, percentage of Chinese descriptions, and whether it ends in an unterminated
/// quote.
struct ClaimsFile {
    name: &'static str,
    encoding: TextEncoding,
    format: &'static str,
    terminator: &'static str,
    base_rows: u64,
    year: i64,
    chinese_percent: u64,
    ends_unterminated: bool,
}

const FILES: [ClaimsFile; 2] = [
    ClaimsFile {
        name: "claims-2025.csv",
        encoding: TextEncoding::Utf8 { bom: true },
        format: "CSV, UTF-8 with BOM, LF",
        terminator: "\n",
        base_rows: 1_600,
        year: 2025,
        chinese_percent: 55,
        ends_unterminated: true,
    },
    ClaimsFile {
        name: "claims-2024-gbk.csv",
        encoding: TextEncoding::Gbk,
        format: "CSV, GBK, CRLF",
        terminator: "\r\n",
        base_rows: 1_400,
        year: 2024,
        chinese_percent: 85,
        ends_unterminated: false,
    },
];

/// Defects dealt round-robin.
pub const DEFECTS: [Defect; 5] = [
    Defect::quarantined("too_many_columns"),
    Defect::quarantined("non_numeric_amount"),
    Defect::quarantined("empty_claim_id"),
    Defect::quarantined("negative_amount"),
    Defect::quarantined("short_description"),
];

/// The last record of `claims-2025.csv`: its description opens a quote that never closes.
pub const UNTERMINATED_QUOTE: Defect = Defect {
    code: "unterminated_quote",
    expect: Expectation::QuarantineOrKeep,
};

/// One claim and what it planted.
#[derive(Debug, Clone)]
struct Claim {
    id: String,
    policy_no: String,
    name: String,
    id_number: String,
    phone: String,
    email: String,
    amount: String,
    incident_date: String,
    description: String,
    plants: Vec<Plant>,
    negatives: Vec<Negative>,
}

fn in_key(field: &str) -> bool {
    field == "description"
}

impl Claim {
    fn fields(&self) -> [&str; 9] {
        [
            &self.id,
            &self.policy_no,
            &self.name,
            &self.id_number,
            &self.phone,
            &self.email,
            &self.amount,
            &self.incident_date,
            &self.description,
        ]
    }

    fn duplicate(&self, variant: Variant, id: String) -> Claim {
        Claim {
            id: if variant.keeps_id() {
                self.id.clone()
            } else {
                id
            },
            description: variant.apply(&self.description),
            plants: vary_plants(&self.plants, variant, in_key),
            negatives: vary_negatives(&self.negatives, variant, in_key),
            ..self.clone()
        }
    }

    fn drop_description_truth(&mut self) {
        self.plants.retain(|p| !in_key(&p.field));
        self.negatives.retain(|n| !in_key(&n.field));
    }
}

/// Draws unique claims.
struct ClaimMaker {
    rng: Rng,
    guard: KeyGuard,
    next_id: u64,
}

impl ClaimMaker {
    fn next_id(&mut self, year: i64) -> String {
        self.next_id += 1;
        format!("CLM-{year}-{:07}", self.next_id)
    }

    /// A claim whose description no earlier claim has.
    fn fresh(&mut self, file: &ClaimsFile) -> Claim {
        loop {
            let claim = self.draw(file);
            if self.guard.insert(&normalize_key(&claim.description)) {
                return claim;
            }
        }
    }

    fn draw(&mut self, file: &ClaimsFile) -> Claim {
        let id = self.next_id(file.year);
        let rng = &mut self.rng;
        let chinese = rng.percent(file.chinese_percent);
        let person = if chinese || rng.percent(40) {
            chinese_person(rng)
        } else {
            english_person(rng)
        };
        let policy_no = format!(
            "POL-{}-{}",
            rng.pick(&["AU", "HL", "PR", "TR"]),
            rng.digits(8)
        );
        let id_number = pii::cn_resident_id(rng);
        let phone = if chinese || rng.percent(50) {
            pii::cn_mobile(rng)
        } else {
            pii::intl_phone(rng)
        };
        let email = if rng.percent(95) {
            pii::email(rng, &person, &CUSTOMER_DOMAINS)
        } else {
            String::new()
        };
        let amount = format!("{}.{:02}", rng.between(200, 200_000), rng.below(100));
        let day = days_from_civil(file.year, 1, 1) + rng.below(365) as i64;
        let incident_date = iso_date(day);
        let template = if chinese {
            *rng.pick(&DESCRIPTIONS_ZH)
        } else {
            *rng.pick(&DESCRIPTIONS_EN)
        };

        let mut planter = Planter::new(rng);
        let name = planter.plant("customer_name", Entity::Person, person.name);
        let id_number = planter.plant("customer_id_number", Entity::CnResidentId, id_number);
        let phone = planter.plant("customer_phone", Entity::Phone, phone);
        let email = if email.is_empty() {
            email
        } else {
            planter.plant("email", Entity::Email, email)
        };
        planter.bind("date", incident_date.clone());
        let description = planter.render("description", template);
        let (plants, negatives) = planter.into_truth();
        Claim {
            id,
            policy_no,
            name,
            id_number,
            phone,
            email,
            amount,
            incident_date,
            description,
            plants,
            negatives,
        }
    }

    /// The text of a defective record built from `claim`, and its adjusted truth.
    fn defect(&mut self, code: &str, mut claim: Claim, terminator: &str) -> (String, Claim) {
        match code {
            "too_many_columns" => {
                claim.description = self.rng.pick(&UNQUOTED_WITH_COMMA).to_string();
                claim.drop_description_truth();
                let fields = claim.fields();
                let mut text = csv_text::record(&fields[..8], "");
                text.push(',');
                text.push_str(&claim.description);
                text.push_str(terminator);
                return (text, claim);
            }
            "non_numeric_amount" => claim.amount = self.rng.pick(&NON_NUMERIC_AMOUNTS).to_string(),
            "empty_claim_id" => claim.id = String::new(),
            "negative_amount" => claim.amount = format!("-{}", claim.amount),
            "unterminated_quote" => {
                let fields = claim.fields();
                let mut text = csv_text::record(&fields[..8], "");
                text.push_str(",\"");
                text.push_str(&claim.description.replace('"', "\"\""));
                text.push_str(terminator);
                return (text, claim);
            }
            _ => {
                // short_description
                claim.description = self.rng.pick(&SHORT_DESCRIPTIONS).to_string();
                claim.drop_description_truth();
            }
        }
        (csv_text::record(&claim.fields(), terminator), claim)
    }
}

/// Writes the dataset into `dir` (created if needed).
pub fn generate(dir: &Path, root: &Rng, scale: u32) -> Result<DatasetSummary, GenError> {
    fs_err::create_dir_all(dir)?;
    let rng = root.fork(NAME);
    let mut schedule = Schedule::new(rng.fork("schedule"), DEFECTS.len());
    let mut maker = ClaimMaker {
        rng: rng.fork("content"),
        guard: KeyGuard::default(),
        next_id: 0,
    };
    let mut truth = TruthWriter::create(dir)?;
    let mut files = Vec::new();
    for file in &FILES {
        let rows = file.base_rows * u64::from(scale);
        // Duplicates stay within a file, so which copy survives never depends on input order.
        let mut pool: Pool<Claim> = Pool::default();
        maker.next_id = 0;
        let mut out = Output::create(
            dir,
            file.name,
            file.format,
            Compression::None,
            file.encoding,
        )?;
        out.header(&csv_text::record(&COLUMNS, file.terminator))?;
        for i in 0..rows {
            let plan = if file.ends_unterminated && i + 1 == rows {
                None
            } else {
                Some(schedule.next(!pool.is_empty()))
            };
            match plan {
                Some(Plan::Clean) => {
                    let claim = maker.fresh(file);
                    let text = csv_text::record(&claim.fields(), file.terminator);
                    let at = out.write(
                        &mut truth,
                        Record::Text(&text),
                        &RowKind::Clean,
                        &claim.plants,
                        &claim.negatives,
                    )?;
                    pool.push(claim, at);
                }
                Some(Plan::Duplicate(variant)) => {
                    let Some((original, of)) = pool.pick(&mut maker.rng) else {
                        continue;
                    };
                    let of = of.clone();
                    let copy = original.duplicate(variant, maker.next_id(file.year));
                    let text = csv_text::record(&copy.fields(), file.terminator);
                    let kind = RowKind::Duplicate { of, variant };
                    out.write(
                        &mut truth,
                        Record::Text(&text),
                        &kind,
                        &copy.plants,
                        &copy.negatives,
                    )?;
                }
                Some(Plan::Defect(k)) => {
                    let defect = DEFECTS[k];
                    let claim = maker.fresh(file);
                    let (text, claim) = maker.defect(defect.code, claim, file.terminator);
                    let kind = RowKind::Defective(defect);
                    out.write(
                        &mut truth,
                        Record::Text(&text),
                        &kind,
                        &claim.plants,
                        &claim.negatives,
                    )?;
                }
                None => {
                    let claim = maker.fresh(file);
                    let (text, claim) =
                        maker.defect(UNTERMINATED_QUOTE.code, claim, file.terminator);
                    let kind = RowKind::Defective(UNTERMINATED_QUOTE);
                    out.write(
                        &mut truth,
                        Record::Text(&text),
                        &kind,
                        &claim.plants,
                        &claim.negatives,
                    )?;
                }
            }
        }
        files.push(out.finish()?);
    }
    truth.finish()?;
    Ok(DatasetSummary { name: NAME, files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::is_clean;
    use crate::names::contains_chinese_name_shape;

    fn maker() -> ClaimMaker {
        ClaimMaker {
            rng: Rng::new(51),
            guard: KeyGuard::default(),
            next_id: 0,
        }
    }

    fn parse(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn templates_are_gbk_safe_name_free_and_fully_rendered() {
        let mut rng = Rng::new(50);
        for template in templates::all() {
            assert!(!contains_chinese_name_shape(template), "{template}");
            assert!(
                !encoding_rs::GBK.encode(template).2,
                "not GBK-safe: {template}"
            );
            let mut planter = Planter::new(&mut rng);
            let text = planter.render("description", template);
            assert!(!text.contains('{'), "{template}");
            let (plants, _) = planter.into_truth();
            let rest = plants
                .iter()
                .fold(text.clone(), |t, p| t.replace(&p.value, "§"));
            assert!(is_clean(&rest), "{text}");
        }
    }

    #[test]
    fn clean_claims_round_trip_through_the_csv_crate() {
        let mut m = maker();
        for file in &FILES {
            for _ in 0..200 {
                let claim = m.fresh(file);
                assert!(
                    claim.description.chars().count() >= 20,
                    "{}",
                    claim.description
                );
                assert!(claim.amount.parse::<f64>().unwrap() > 0.0);
                let parsed = parse(&csv_text::record(&claim.fields(), file.terminator));
                assert_eq!(parsed, [claim.fields().map(str::to_string).to_vec()]);
                assert!(claim.incident_date.starts_with(&file.year.to_string()));
            }
        }
    }

    #[test]
    fn defects_break_what_they_claim() {
        let mut m = maker();
        let file = &FILES[0];
        let mut codes: Vec<&str> = DEFECTS.iter().map(|d| d.code).collect();
        codes.push(UNTERMINATED_QUOTE.code);
        for code in codes {
            let claim = m.fresh(file);
            let (text, claim) = m.defect(code, claim, "\n");
            let rows = parse(&text);
            let row = &rows[0];
            match code {
                "too_many_columns" => assert_eq!(row.len(), 10),
                "non_numeric_amount" => assert!(row[6].parse::<f64>().is_err()),
                "empty_claim_id" => assert!(row[0].is_empty()),
                "negative_amount" => assert!(row[6].parse::<f64>().unwrap() < 0.0),
                "short_description" => assert!(row[8].chars().count() < 20),
                "unterminated_quote" => assert!(text.matches('"').count() % 2 == 1),
                other => panic!("untested defect {other}"),
            }
            for p in &claim.plants {
                assert!(text.contains(&p.value), "{code}: {}", p.value);
            }
        }
    }

    #[test]
    fn duplicates_keep_the_normalised_description() {
        let mut m = maker();
        let claim = m.fresh(&FILES[1]);
        for variant in Variant::ALL {
            let copy = claim.duplicate(variant, "CLM-X".into());
            assert_eq!(
                normalize_key(&copy.description),
                normalize_key(&claim.description)
            );
            for p in &copy.plants {
                assert!(
                    copy.fields().iter().any(|f| f.contains(&p.value)),
                    "{variant:?}"
                );
            }
        }
    }
}
