//! The decision step of deduplication: which row of each group of equal keys survives.
//!
//! It sees only per-row keys, per-row ranks and positions in input order (never batches or
//! values), and every rule is a strict total order that ends with input order as the tie-break,
//! so the outcome depends on the rows alone, not on how they were split into batches or which
//! thread tagged them.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

/// Which row of a group of duplicates is kept. Written in the pipeline file as a string:
/// `first`, `last`, `longest`, `earliest:<field>`, `latest:<field>` or `highest:<field>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
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
}

impl SurvivorRule {
    /// The field whose value ranks rows, for the field-based rules.
    pub fn field(&self) -> Option<&str> {
        match self {
            SurvivorRule::Earliest(f) | SurvivorRule::Latest(f) | SurvivorRule::Highest(f) => {
                Some(f)
            }
            _ => None,
        }
    }

    /// True when `a` (rank, position) should survive over `b`. A strict total order: rule
    /// order first, then the lower input position (except `last`, which is pure input order).
    pub fn prefers(&self, a: (&Rank, RowPos), b: (&Rank, RowPos)) -> bool {
        self.compare(a, b) == Ordering::Less
    }

    /// `Less` when `a` is preferred over `b`.
    fn compare(&self, a: (&Rank, RowPos), b: (&Rank, RowPos)) -> Ordering {
        let by_rank = match self {
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
        }
    }
}

impl From<SurvivorRule> for String {
    fn from(rule: SurvivorRule) -> String {
        rule.to_string()
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
         latest:<field> or highest:<field>)"
    )
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

/// A row's position in input order: (batch index, row index within the batch).
pub type RowPos = (usize, usize);

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

struct Group {
    survivor: RowPos,
    size: u64,
}

/// Groups rows by equal key and picks one survivor per group by `rule` over positions only
/// (rank-based rules fall back to input order here; use [`choose_survivors_by`] with ranks).
/// `keys[b][i]` is the key of row `i` of batch `b`; rows with no key (`None`) are never grouped.
pub fn choose_survivors<K: Hash + Eq + Copy>(
    rule: SurvivorRule,
    keys: &[Vec<Option<K>>],
) -> Grouping {
    choose_survivors_by(keys, |a, b| {
        rule.prefers((&Rank::Null, a), (&Rank::Null, b))
    })
}

/// Groups rows by equal key; `better(a, b)` says whether the row at `a` should survive over the
/// row at `b` and must be a strict total order, so the survivor is the group's minimum whatever
/// the order rows are visited in.
pub fn choose_survivors_by<K: Hash + Eq + Copy>(
    keys: &[Vec<Option<K>>],
    better: impl Fn(RowPos, RowPos) -> bool,
) -> Grouping {
    let mut groups: HashMap<K, Group> = HashMap::new();
    for (b, batch) in keys.iter().enumerate() {
        for (i, key) in batch.iter().enumerate() {
            let Some(key) = key else { continue };
            groups
                .entry(*key)
                .and_modify(|g| {
                    g.size += 1;
                    if better((b, i), g.survivor) {
                        g.survivor = (b, i);
                    }
                })
                .or_insert(Group {
                    survivor: (b, i),
                    size: 1,
                });
        }
    }
    let mut groups_by_batch = vec![0u64; keys.len()];
    for group in groups.values().filter(|g| g.size >= 2) {
        groups_by_batch[group.survivor.0] += 1;
    }
    let duplicate_of = keys
        .iter()
        .enumerate()
        .map(|(b, batch)| {
            batch
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let survivor = groups.get(key.as_ref()?)?.survivor;
                    (survivor != (b, i)).then_some(survivor)
                })
                .collect()
        })
        .collect();
    Grouping {
        duplicate_of,
        groups_by_batch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            rule.prefers((&ranks[a.1], a), (&ranks[b.1], b))
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
                if rule.prefers((&ranks[p.1], p), (&ranks[best.1], best)) {
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
}
