//! The decision step of deduplication: which row of each group of equal keys survives.
//!
//! It sees only per-row keys, per-row ranks and positions in input order (never batches or
//! values), and every rule is a strict total order that ends with input order as the tie-break,
//! so the outcome depends on the rows alone, not on how they were split into batches or which
//! thread tagged them.

use crate::par::par_concat;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Which row of a group of duplicates is kept. Written in the pipeline file as a string —
/// `first`, `last`, `longest`, `earliest:<field>`, `latest:<field>` or `highest:<field>` — or as
/// the table `{ prefer_inputs = ["crm.jsonl", "legacy/*.csv"], then = "longest" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SurvivorText", into = "SurvivorText")]
pub enum SurvivorRule {
    /// The earliest row in input order.
    #[default]
    First,
    /// The latest row in input order.
    Last,
    /// The row with the most characters over the key fields.
    Longest,
    /// The row with the smallest value of the field (string or number); nulls lose.
    Earliest(String),
    /// The row with the largest value of the field (string or number); nulls lose.
    Latest(String),
    /// The row with the largest value of a numeric priority field; nulls lose.
    Highest(String),
    /// Rows from inputs matching an earlier pattern win (rows of inputs matching none come last);
    /// ties go to `then`. The stage resolves the patterns against the run's input names.
    PreferInputs {
        /// Glob patterns (`*`, `?`, `[…]`) over input names as the manifest shows them; a pattern
        /// without `/` also matches the file name alone.
        inputs: Vec<String>,
        /// The rule among rows of equally preferred inputs (never `PreferInputs` itself).
        then: Box<SurvivorRule>,
    },
}

/// The survivor rule as written in the pipeline file: a string or a `prefer_inputs` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SurvivorText {
    /// `first`, `last`, `longest`, `earliest:<field>`, `latest:<field>`, `highest:<field>`.
    Name(String),
    /// `{ prefer_inputs = [...], then = "first" }`.
    Prefer(PreferTable),
}

/// The table form of the preferred-inputs rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferTable {
    /// Input name patterns, most preferred first.
    pub prefer_inputs: Vec<String>,
    /// The rule among equally preferred rows; `first` when absent.
    #[serde(default = "first_rule")]
    pub then: String,
}

fn first_rule() -> String {
    "first".to_owned()
}

impl SurvivorRule {
    /// The field whose value ranks rows, for the field-based rules (also as a `then` rule).
    pub fn field(&self) -> Option<&str> {
        match self.base() {
            SurvivorRule::Earliest(f) | SurvivorRule::Latest(f) | SurvivorRule::Highest(f) => {
                Some(f)
            }
            _ => None,
        }
    }

    /// The rule that ranks rows by their values: `then` for `PreferInputs`, the rule itself
    /// otherwise.
    pub fn base(&self) -> &SurvivorRule {
        match self {
            SurvivorRule::PreferInputs { then, .. } => then,
            other => other,
        }
    }

    /// The input patterns of `PreferInputs`, most preferred first; empty for other rules.
    pub fn preferred_inputs(&self) -> &[String] {
        match self {
            SurvivorRule::PreferInputs { inputs, .. } => inputs,
            _ => &[],
        }
    }

    /// True when `a` (rank, position) should survive over `b`. A strict total order: rule
    /// order first, then the lower input position (except `last`, which is pure input order).
    /// For `PreferInputs` this is the `then` rule: input preference needs the input of each row,
    /// which the stage applies first (see [`InputPreference`]).
    pub fn prefers(&self, a: (&Rank, RowPos), b: (&Rank, RowPos)) -> bool {
        self.compare(a, b) == Ordering::Less
    }

    /// `Less` when `a` is preferred over `b`.
    fn compare(&self, a: (&Rank, RowPos), b: (&Rank, RowPos)) -> Ordering {
        let by_rank = match self {
            SurvivorRule::PreferInputs { then, .. } => return then.compare(a, b),
            SurvivorRule::First => Ordering::Equal,
            SurvivorRule::Last => return b.1.cmp(&a.1),
            SurvivorRule::Earliest(_) => a.0.cmp_nulls_last(b.0, false),
            SurvivorRule::Longest | SurvivorRule::Latest(_) | SurvivorRule::Highest(_) => {
                a.0.cmp_nulls_last(b.0, true)
            }
        };
        by_rank.then(a.1.cmp(&b.1))
    }
}

impl fmt::Display for SurvivorRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SurvivorRule::First => f.write_str("first"),
            SurvivorRule::Last => f.write_str("last"),
            SurvivorRule::Longest => f.write_str("longest"),
            SurvivorRule::Earliest(x) => write!(f, "earliest:{x}"),
            SurvivorRule::Latest(x) => write!(f, "latest:{x}"),
            SurvivorRule::Highest(x) => write!(f, "highest:{x}"),
            SurvivorRule::PreferInputs { inputs, then } => {
                write!(f, "prefer_inputs [{}] then {then}", inputs.join(", "))
            }
        }
    }
}

impl From<SurvivorRule> for SurvivorText {
    fn from(rule: SurvivorRule) -> SurvivorText {
        match rule {
            SurvivorRule::PreferInputs { inputs, then } => SurvivorText::Prefer(PreferTable {
                prefer_inputs: inputs,
                then: then.to_string(),
            }),
            other => SurvivorText::Name(other.to_string()),
        }
    }
}

impl TryFrom<SurvivorText> for SurvivorRule {
    type Error = String;
    fn try_from(text: SurvivorText) -> Result<Self, String> {
        match text {
            SurvivorText::Name(name) => SurvivorRule::try_from(name),
            SurvivorText::Prefer(table) => {
                if table.prefer_inputs.is_empty() {
                    return Err("survivor `prefer_inputs` lists no input".to_owned());
                }
                if let Some(bad) = table
                    .prefer_inputs
                    .iter()
                    .find(|p| glob::Pattern::new(p).is_err())
                {
                    return Err(format!(
                        "survivor `prefer_inputs` pattern `{bad}` is not a valid glob"
                    ));
                }
                Ok(SurvivorRule::PreferInputs {
                    inputs: table.prefer_inputs,
                    then: Box::new(SurvivorRule::try_from(table.then)?),
                })
            }
        }
    }
}

impl TryFrom<String> for SurvivorRule {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let rule = match text.split_once(':') {
            None => match text.as_str() {
                "first" => SurvivorRule::First,
                "last" => SurvivorRule::Last,
                "longest" => SurvivorRule::Longest,
                _ => return Err(unknown_rule(&text)),
            },
            Some((_, field)) if field.trim().is_empty() => {
                return Err(format!("survivor `{text}` names no field"));
            }
            Some((name, field)) => {
                let field = field.trim().to_owned();
                match name {
                    "earliest" => SurvivorRule::Earliest(field),
                    "latest" => SurvivorRule::Latest(field),
                    "highest" => SurvivorRule::Highest(field),
                    _ => return Err(unknown_rule(&text)),
                }
            }
        };
        Ok(rule)
    }
}

fn unknown_rule(text: &str) -> String {
    format!(
        "unknown survivor rule `{text}` (expected first, last, longest, earliest:<field>, \
         latest:<field>, highest:<field> or a {{ prefer_inputs = [...], then = \"...\" }} table)"
    )
}

/// Each input's place under a `PreferInputs` rule: the index of the first pattern its name
/// matches, or the number of patterns when it matches none; 0 for every input under other rules.
/// Lower wins. Resolved once at build time from the run's input names, indexed like
/// `SourceRef::input`, so it does not depend on batching or threads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputPreference {
    by_input: Vec<u32>,
    unmatched: u32,
}

impl InputPreference {
    /// Resolves the rule's patterns against `inputs` (display names, in `SourceRef::input` order).
    /// Fails with the first pattern that matches no input: a preference that can never apply is
    /// a configuration mistake, not something to ignore.
    pub fn resolve(rule: &SurvivorRule, inputs: &[String]) -> Result<InputPreference, String> {
        let patterns = rule.preferred_inputs();
        let compiled = patterns
            .iter()
            .map(|p| glob::Pattern::new(p).map_err(|_| p.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let matches = |i: usize, name: &str| {
            let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
            compiled[i].matches(name) || (!patterns[i].contains('/') && compiled[i].matches(file))
        };
        if let Some(unused) = (0..patterns.len()).find(|i| !inputs.iter().any(|n| matches(*i, n))) {
            return Err(patterns[unused].clone());
        }
        let by_input = inputs
            .iter()
            .map(|name| {
                (0..patterns.len())
                    .find(|i| matches(*i, name))
                    .unwrap_or(patterns.len()) as u32
            })
            .collect();
        Ok(InputPreference {
            by_input,
            unmatched: patterns.len() as u32,
        })
    }

    /// The place of input `input` (lower wins).
    pub fn of(&self, input: u32) -> u32 {
        self.by_input
            .get(input as usize)
            .copied()
            .unwrap_or(self.unmatched)
    }
}

/// A row's ranking value for the survivor rule (its key length, or its rank field's value).
/// `Null` always loses, whatever the direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Rank {
    /// No value (null field, or a rule that does not rank by value).
    #[default]
    Null,
    /// An integer (or a character count for `longest`).
    Int(i64),
    /// A float.
    Float(f64),
    /// A string, compared by code points (ISO timestamps sort chronologically).
    Text(Box<str>),
}

impl Rank {
    /// Compares two ranks with nulls last; `descending` reverses the order of non-null values.
    fn cmp_nulls_last(&self, other: &Rank, descending: bool) -> Ordering {
        let ord = match (self, other) {
            (Rank::Null, Rank::Null) => return Ordering::Equal,
            (Rank::Null, _) => return Ordering::Greater,
            (_, Rank::Null) => return Ordering::Less,
            (Rank::Int(a), Rank::Int(b)) => a.cmp(b),
            (Rank::Text(a), Rank::Text(b)) => a.cmp(b),
            (Rank::Int(a), Rank::Float(b)) => (*a as f64).total_cmp(b),
            (Rank::Float(a), Rank::Int(b)) => a.total_cmp(&(*b as f64)),
            (Rank::Float(a), Rank::Float(b)) => a.total_cmp(b),
            // One field has one type; numbers before text keeps the order total anyway.
            (Rank::Text(_), _) => Ordering::Greater,
            (_, Rank::Text(_)) => Ordering::Less,
        };
        if descending { ord.reverse() } else { ord }
    }
}

/// A row's position in input order: (batch index, row index within the batch). Two 32-bit
/// halves: the dedup decision holds several positions per row (8 bytes less each: about 450 MB
/// at 16M rows by their sizes, 4M rows' peak about 100 MB lower), and a run has far fewer than
/// 2³² batches of far fewer than 2³² rows ([`fits_positions`] checks).
pub type RowPos = (u32, u32);

/// True when every row of batches of these lengths has a [`RowPos`].
pub fn fits_positions(mut batch_lengths: impl ExactSizeIterator<Item = usize>) -> bool {
    u32::try_from(batch_lengths.len()).is_ok()
        && batch_lengths.all(|rows| u32::try_from(rows).is_ok())
}

/// The position of row `i` of batch `b`, both within what [`fits_positions`] accepted.
#[inline]
pub fn row_pos(b: usize, i: usize) -> RowPos {
    debug_assert!(u32::try_from(b).is_ok() && u32::try_from(i).is_ok());
    (b as u32, i as u32)
}

/// `p` as indexes: (batch, row).
#[inline]
pub fn indexes(p: RowPos) -> (usize, usize) {
    (p.0 as usize, p.1 as usize)
}

/// The outcome of [`choose_survivors`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grouping {
    /// `duplicate_of[b][i]`: for a row that loses to another row, that survivor's position;
    /// `None` for survivors and for rows without a key.
    pub duplicate_of: Vec<Vec<Option<RowPos>>>,
    /// Groups of two or more rows, counted in the batch that holds their survivor (so per-batch
    /// counts add up to the total).
    pub groups_by_batch: Vec<u64>,
}

/// Groups rows by equal key and picks one survivor per group by `rule` over positions only
/// (rank-based rules fall back to input order here; use [`choose_survivors_by`] with ranks).
/// `keys[b][i]` is the key of row `i` of batch `b`; rows with no key (`None`) are never grouped.
pub fn choose_survivors<K: Ord + Copy + Send + Sync>(
    rule: SurvivorRule,
    keys: &[Vec<Option<K>>],
) -> Grouping {
    choose_survivors_by(keys, |a, b| {
        rule.prefers((&Rank::Null, a), (&Rank::Null, b))
    })
}

/// Groups rows by equal key; `better(a, b)` says whether the row at `a` should survive over the
/// row at `b` and must be a strict total order, so the survivor is the group's minimum whatever
/// the order rows are visited in. The batches and their rows must fit [`RowPos`]
/// ([`fits_positions`]).
///
/// The keyed rows are sorted by key, so each group is a run, and runs are decided in parallel:
/// at a million rows this is several times faster than a hash map of groups, whose random probes
/// missed the cache on every row. The result does not depend on the thread count, since a
/// group's minimum under a total order does not depend on the order of its members.
pub fn choose_survivors_by<K: Ord + Copy + Send + Sync>(
    keys: &[Vec<Option<K>>],
    better: impl Fn(RowPos, RowPos) -> bool + Sync,
) -> Grouping {
    let keyed_by_batch: Vec<Vec<(K, RowPos)>> = keys
        .par_iter()
        .enumerate()
        .map(|(b, batch)| {
            batch
                .iter()
                .enumerate()
                .filter_map(|(i, key)| key.map(|k| (k, row_pos(b, i))))
                .collect()
        })
        .collect();
    let mut keyed = par_concat(&keyed_by_batch);
    drop(keyed_by_batch);
    keyed.par_sort_unstable_by(|x, y| x.0.cmp(&y.0));
    let groups: Vec<(RowPos, &[(K, RowPos)])> = keyed
        .par_chunk_by(|x, y| x.0 == y.0)
        .filter(|group| group.len() >= 2)
        .map(|group| {
            let survivor = group
                .iter()
                .map(|&(_, pos)| pos)
                .reduce(|best, pos| if better(pos, best) { pos } else { best })
                .unwrap_or(group[0].1);
            (survivor, group)
        })
        .collect();
    let mut groups_by_batch = vec![0u64; keys.len()];
    let mut duplicate_of: Vec<Vec<Option<RowPos>>> = keys
        .par_iter()
        .map(|batch| vec![None; batch.len()])
        .collect();
    for (survivor, group) in groups {
        groups_by_batch[survivor.0 as usize] += 1;
        for &(_, pos) in group {
            if pos != survivor {
                let (b, i) = indexes(pos);
                duplicate_of[b][i] = Some(survivor);
            }
        }
    }
    Grouping {
        duplicate_of,
        groups_by_batch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_fit_32_bits_or_the_batches_are_refused() {
        assert!(fits_positions([0, 3, 8192].into_iter()));
        assert!(fits_positions([u32::MAX as usize].into_iter()));
        assert!(!fits_positions([1, u32::MAX as usize + 1].into_iter()));
        assert!(!fits_positions(std::iter::repeat_n(
            1,
            u32::MAX as usize + 1
        )));
        assert_eq!(indexes(row_pos(7, 8191)), (7, 8191));
    }

    #[test]
    fn first_keeps_the_earliest_row() {
        let keys = vec![vec![Some(1), Some(2)], vec![Some(1), None, Some(1)]];
        let g = choose_survivors(SurvivorRule::First, &keys);
        assert_eq!(g.duplicate_of[0], vec![None, None]);
        assert_eq!(g.duplicate_of[1], vec![Some((0, 0)), None, Some((0, 0))]);
        assert_eq!(g.groups_by_batch, vec![1, 0]);
    }

    #[test]
    fn last_keeps_the_latest_row() {
        let keys = vec![vec![Some(1), Some(2)], vec![Some(1), None, Some(1)]];
        let g = choose_survivors(SurvivorRule::Last, &keys);
        assert_eq!(g.duplicate_of[0], vec![Some((1, 2)), None]);
        assert_eq!(g.duplicate_of[1], vec![Some((1, 2)), None, None]);
        assert_eq!(g.groups_by_batch, vec![0, 1]);
    }

    proptest::proptest! {
        /// Sorted runs decided in parallel give what visiting rows in input order with a map of
        /// groups gives, for any batching, keys and total order.
        #[test]
        fn grouping_matches_a_sequential_reference(
            keys in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of(0u8..12), 0..20),
                0..6,
            ),
            weights in proptest::collection::vec(0u8..5, 120),
        ) {
            // A total order: a weight per position, ties by position.
            let weight = |p: RowPos| {
                let (b, i) = indexes(p);
                weights[(b * 20 + i) % weights.len()]
            };
            let better = |x: RowPos, y: RowPos| (weight(x), x) < (weight(y), y);
            let mut best: std::collections::BTreeMap<u8, (RowPos, u64)> = Default::default();
            for (b, batch) in keys.iter().enumerate() {
                for (i, key) in batch.iter().enumerate() {
                    let Some(key) = key else { continue };
                    let entry = best.entry(*key).or_insert((row_pos(b, i), 0));
                    entry.1 += 1;
                    if better(row_pos(b, i), entry.0) {
                        entry.0 = row_pos(b, i);
                    }
                }
            }
            let g = choose_survivors_by(&keys, better);
            for (b, batch) in keys.iter().enumerate() {
                for (i, key) in batch.iter().enumerate() {
                    let expected = key
                        .and_then(|k| best.get(&k))
                        .map(|&(s, _)| s)
                        .filter(|&s| s != row_pos(b, i));
                    proptest::prop_assert_eq!(g.duplicate_of[b][i], expected);
                }
            }
            let mut by_batch = vec![0u64; keys.len()];
            for &(s, size) in best.values() {
                by_batch[s.0 as usize] += u64::from(size >= 2);
            }
            proptest::prop_assert_eq!(g.groups_by_batch, by_batch);
        }
    }

    #[test]
    fn rows_without_key_are_never_duplicates() {
        let keys: Vec<Vec<Option<u8>>> = vec![vec![None, None, None]];
        let g = choose_survivors(SurvivorRule::First, &keys);
        assert_eq!(g.duplicate_of[0], vec![None, None, None]);
        assert_eq!(g.groups_by_batch, vec![0]);
    }

    #[test]
    fn distinct_keys_all_survive() {
        let keys = vec![vec![Some(1), Some(2), Some(3)]];
        let g = choose_survivors(SurvivorRule::Last, &keys);
        assert!(g.duplicate_of[0].iter().all(Option::is_none));
        assert_eq!(g.groups_by_batch, vec![0]);
    }

    #[test]
    fn rules_parse_and_print() {
        for text in [
            "first",
            "last",
            "longest",
            "earliest:a",
            "latest:created_at",
            "highest:p",
        ] {
            let rule = SurvivorRule::try_from(text.to_owned()).unwrap();
            assert_eq!(rule.to_string(), text);
        }
        assert!(SurvivorRule::try_from("newest".to_owned()).is_err());
        assert!(SurvivorRule::try_from("latest:".to_owned()).is_err());
        assert!(SurvivorRule::try_from("oldest:x".to_owned()).is_err());
    }

    fn pick(rule: &SurvivorRule, ranks: &[Rank]) -> usize {
        let keys = vec![vec![Some(0u8); ranks.len()]];
        let g = choose_survivors_by(&keys, |a, b| {
            rule.prefers((&ranks[a.1 as usize], a), (&ranks[b.1 as usize], b))
        });
        (0..ranks.len())
            .find(|i| g.duplicate_of[0][*i].is_none())
            .unwrap()
    }

    #[test]
    fn ranked_rules_pick_by_value_with_nulls_last_and_input_order_ties() {
        let t = |s: &str| Rank::Text(s.into());
        let dates = [
            Rank::Null,
            t("2024-05-01"),
            t("2023-01-01"),
            t("2024-05-01"),
            Rank::Null,
        ];
        assert_eq!(pick(&SurvivorRule::Latest("d".into()), &dates), 1);
        assert_eq!(pick(&SurvivorRule::Earliest("d".into()), &dates), 2);
        let prio = [Rank::Int(3), Rank::Float(7.5), Rank::Int(7), Rank::Null];
        assert_eq!(pick(&SurvivorRule::Highest("p".into()), &prio), 1);
        let lens = [Rank::Int(4), Rank::Int(9), Rank::Int(9)];
        assert_eq!(pick(&SurvivorRule::Longest, &lens), 1);
        let nulls = [Rank::Null, Rank::Null];
        assert_eq!(pick(&SurvivorRule::Latest("d".into()), &nulls), 0);
        assert_eq!(pick(&SurvivorRule::Earliest("d".into()), &nulls), 0);
    }

    #[test]
    fn ranked_choice_ignores_visit_order() {
        let rule = SurvivorRule::Highest("p".into());
        let ranks = [Rank::Int(1), Rank::Int(5), Rank::Int(5), Rank::Int(2)];
        let mut positions: Vec<RowPos> = (0..4).map(|i| (0, i)).collect();
        let best = |ps: &[RowPos]| {
            let mut it = ps.iter().copied();
            let mut best = it.next().unwrap();
            for p in it {
                if rule.prefers((&ranks[p.1 as usize], p), (&ranks[best.1 as usize], best)) {
                    best = p;
                }
            }
            best
        };
        let forward = best(&positions);
        positions.reverse();
        assert_eq!(forward, best(&positions));
        assert_eq!(forward, (0, 1));
    }

    #[test]
    fn prefer_inputs_parses_as_a_table_and_round_trips() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Holder {
            survivor: SurvivorRule,
        }
        let h: Holder = toml::from_str(
            r#"survivor = { prefer_inputs = ["crm*.jsonl", "legacy/*.csv"], then = "longest" }"#,
        )
        .unwrap();
        assert_eq!(
            h.survivor,
            SurvivorRule::PreferInputs {
                inputs: vec!["crm*.jsonl".into(), "legacy/*.csv".into()],
                then: Box::new(SurvivorRule::Longest),
            }
        );
        assert_eq!(h.survivor.base(), &SurvivorRule::Longest);
        let text = toml::to_string(&h).unwrap();
        assert_eq!(toml::from_str::<Holder>(&text).unwrap(), h);
        let h: Holder = toml::from_str(r#"survivor = { prefer_inputs = ["a.csv"] }"#).unwrap();
        assert_eq!(h.survivor.base(), &SurvivorRule::First);
        let h: Holder =
            toml::from_str(r#"survivor = { prefer_inputs = ["a.csv"], then = "latest:at" }"#)
                .unwrap();
        assert_eq!(h.survivor.field(), Some("at"));
        for bad in [
            r#"survivor = { prefer_inputs = [] }"#,
            r#"survivor = { prefer_inputs = ["a["] }"#,
            r#"survivor = { prefer_inputs = ["a"], then = "newest" }"#,
            r#"survivor = { prefer_inputs = ["a"], fallback = "first" }"#,
            r#"survivor = "prefer_inputs""#,
        ] {
            assert!(toml::from_str::<Holder>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn input_preference_resolves_names_in_pattern_order() {
        let rule = |patterns: &[&str]| SurvivorRule::PreferInputs {
            inputs: patterns.iter().map(|p| (*p).to_owned()).collect(),
            then: Box::new(SurvivorRule::First),
        };
        let inputs: Vec<String> = [
            "data/legacy/old.csv",
            "data/crm_export_2.jsonl",
            "notes.txt",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let p = InputPreference::resolve(&rule(&["crm_export*.jsonl", "data/legacy/*"]), &inputs)
            .unwrap();
        // File-name match for a pattern without `/`, full-name match otherwise; others last.
        assert_eq!((p.of(0), p.of(1), p.of(2)), (1, 0, 2));
        // An input index beyond the list counts as unmatched.
        assert_eq!(p.of(9), 2);
        // A pattern with `/` does not match on the file name alone.
        assert_eq!(
            InputPreference::resolve(&rule(&["legacy/old.csv"]), &inputs),
            Err("legacy/old.csv".to_owned())
        );
        assert_eq!(
            InputPreference::resolve(&rule(&["*.jsonl", "missing*"]), &inputs),
            Err("missing*".to_owned())
        );
        // Without names a preference can never apply: refused.
        assert!(InputPreference::resolve(&rule(&["*"]), &[]).is_err());
        // Other rules: every input in place 0.
        let none = InputPreference::resolve(&SurvivorRule::Last, &[]).unwrap();
        assert_eq!(none.of(3), 0);
    }
}
