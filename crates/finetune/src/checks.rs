//! The per-row checks of the format stage: what a shaped row looks like, and which documented rule
//! of a target it breaks. Details name turns, roles from the known vocabulary, parts, targets and
//! token counts, never content.

use crate::config::Shape;
use crate::target::{OverLength, Target, TargetRules};

/// A template field is null: the row cannot be shaped.
pub const FT_MISSING_FIELD: &str = "FT_MISSING_FIELD";
/// A template field of a required part is empty or whitespace only.
pub const FT_EMPTY_FIELD: &str = "FT_EMPTY_FIELD";
/// A chat row has no turns (or its `messages` field is null).
pub const FT_EMPTY_CONVERSATION: &str = "FT_EMPTY_CONVERSATION";
/// A turn or required part has no content.
pub const FT_EMPTY_TURN: &str = "FT_EMPTY_TURN";
/// A turn's role is missing or not accepted by the target.
pub const FT_ROLE_INVALID: &str = "FT_ROLE_INVALID";
/// A system turn after the first turn, or broken user/assistant alternation.
pub const FT_ROLE_ORDER: &str = "FT_ROLE_ORDER";
/// The last turn is not the assistant's.
pub const FT_LAST_NOT_ASSISTANT: &str = "FT_LAST_NOT_ASSISTANT";
/// No assistant turn at all.
pub const FT_NO_ASSISTANT: &str = "FT_NO_ASSISTANT";
/// More tokens than the target's limit.
pub const FT_TOO_LONG: &str = "FT_TOO_LONG";

/// Every code the stage can emit, for `sluice explain`-style listings.
pub const ALL_CODES: [&str; 9] = [
    FT_MISSING_FIELD,
    FT_EMPTY_FIELD,
    FT_EMPTY_CONVERSATION,
    FT_EMPTY_TURN,
    FT_ROLE_INVALID,
    FT_ROLE_ORDER,
    FT_LAST_NOT_ASSISTANT,
    FT_NO_ASSISTANT,
    FT_TOO_LONG,
];

/// Role names sluice may print in details: protocol vocabulary, not data.
const KNOWN_ROLES: [&str; 6] = [
    "system",
    "user",
    "assistant",
    "tool",
    "tool_call",
    "tool_response",
];

/// One turn of a chat row. Nulls stay nulls so a kept (flagged) row is not silently rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The speaker.
    pub role: Option<String>,
    /// What was said.
    pub content: Option<String>,
}

impl Turn {
    /// A turn with both parts set.
    pub fn new(role: &str, content: String) -> Self {
        Turn {
            role: Some(role.to_owned()),
            content: Some(content),
        }
    }
}

/// A row in its fine-tuning shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shaped {
    /// Chat turns in order.
    Chat(Vec<Turn>),
    /// The string columns of [`Shape::text_columns`], in that order.
    Fields(Vec<String>),
}

/// A rule broken by a row: a stable code and a value-free detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// `FT_*` code.
    pub code: &'static str,
    /// What is wrong, without values.
    pub detail: String,
}

/// What a target would do with a row as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Trained on as is.
    Ok,
    /// Trained on after cutting it to the limit.
    WouldTruncate,
    /// Rejected, skipped or deleted.
    WouldDrop,
}

/// The issues a row has for one target, and the resulting outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Issues in check order.
    pub issues: Vec<Issue>,
    /// What the target would do.
    pub outcome: Outcome,
}

/// The role as it may appear in a detail: known vocabulary verbatim, anything else masked.
fn role_label(role: Option<&str>) -> &str {
    match role {
        None => "no role",
        Some(r) => KNOWN_ROLES
            .iter()
            .find(|k| **k == r)
            .copied()
            .unwrap_or("an unrecognised role"),
    }
}

fn is_user_side(role: &str) -> bool {
    matches!(role, "user" | "tool" | "tool_response")
}

fn is_assistant_side(role: &str) -> bool {
    matches!(role, "assistant" | "tool_call")
}

/// Checks one shaped row against `target`'s rules with token limit `limit`.
pub fn check(
    target: Target,
    rules: &TargetRules,
    limit: Option<u64>,
    shape: Shape,
    shaped: &Shaped,
    tokens: u64,
) -> Verdict {
    let mut issues = Vec::new();
    match shaped {
        Shaped::Chat(turns) => check_chat(rules, turns, &mut issues),
        Shaped::Fields(values) => {
            for (name, value) in shape.text_columns().iter().zip(values) {
                // Alpaca's `input` is optional by design.
                if *name != "input" && value.trim().is_empty() {
                    issues.push(Issue {
                        code: FT_EMPTY_TURN,
                        detail: format!("`{name}` is empty"),
                    });
                }
            }
        }
    }
    let format_broken = !issues.is_empty();
    let mut too_long = false;
    if let Some(limit) = limit
        && tokens > limit
    {
        too_long = true;
        let action = match rules.over_length {
            OverLength::Truncate => "truncates",
            OverLength::Drop => "drops",
        };
        issues.push(Issue {
            code: FT_TOO_LONG,
            detail: format!("{tokens} tokens > limit {limit} ({target} {action})"),
        });
    }
    let outcome = if format_broken || (too_long && rules.over_length == OverLength::Drop) {
        Outcome::WouldDrop
    } else if too_long {
        Outcome::WouldTruncate
    } else {
        Outcome::Ok
    };
    Verdict { issues, outcome }
}

fn check_chat(rules: &TargetRules, turns: &[Turn], issues: &mut Vec<Issue>) {
    if turns.is_empty() {
        issues.push(Issue {
            code: FT_EMPTY_CONVERSATION,
            detail: "the conversation has no turns".to_owned(),
        });
        return;
    }
    for (i, turn) in turns.iter().enumerate() {
        let role = turn.role.as_deref();
        let accepted = match role {
            None | Some("") => false,
            Some(r) => rules.roles.is_empty() || rules.roles.contains(&r),
        };
        if !accepted {
            let list = if rules.roles.is_empty() {
                "any non-empty role".to_owned()
            } else {
                rules.roles.join(", ")
            };
            issues.push(Issue {
                code: FT_ROLE_INVALID,
                detail: format!("turn {i} has {} (accepted: {list})", role_label(role)),
            });
        }
        if turn.content.as_deref().is_none_or(|c| c.trim().is_empty()) {
            issues.push(Issue {
                code: FT_EMPTY_TURN,
                detail: format!("turn {i} ({}) has no content", role_label(role)),
            });
        }
    }
    if rules.system_first_only
        && let Some(i) = turns
            .iter()
            .skip(1)
            .position(|t| t.role.as_deref() == Some("system"))
    {
        issues.push(Issue {
            code: FT_ROLE_ORDER,
            detail: format!("turn {} is a system turn after the first turn", i + 1),
        });
    }
    if rules.alternate {
        let start = usize::from(turns[0].role.as_deref() == Some("system"));
        for (k, turn) in turns[start..].iter().enumerate() {
            let role = turn.role.as_deref().unwrap_or("");
            let (fits, expected) = if k % 2 == 0 {
                (is_user_side(role), "a user")
            } else {
                (is_assistant_side(role), "an assistant")
            };
            if !fits {
                issues.push(Issue {
                    code: FT_ROLE_ORDER,
                    detail: format!(
                        "turn {} has {} where {expected} turn must come (strict alternation)",
                        start + k,
                        role_label(Some(role).filter(|r| !r.is_empty()))
                    ),
                });
                break;
            }
        }
    }
    let has_assistant = turns
        .iter()
        .any(|t| t.role.as_deref().is_some_and(is_assistant_side));
    if rules.needs_assistant && !has_assistant {
        issues.push(Issue {
            code: FT_NO_ASSISTANT,
            detail: "no assistant turn".to_owned(),
        });
    } else if rules.last_assistant
        && turns
            .last()
            .is_some_and(|t| t.role.as_deref() != Some("assistant"))
    {
        issues.push(Issue {
            code: FT_LAST_NOT_ASSISTANT,
            detail: format!(
                "the last turn ({}) is not the assistant's",
                role_label(turns.last().and_then(|t| t.role.as_deref()))
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(turns: &[(&str, &str)]) -> Shaped {
        Shaped::Chat(
            turns
                .iter()
                .map(|(r, c)| Turn::new(r, (*c).to_owned()))
                .collect(),
        )
    }

    fn codes(target: Target, shaped: &Shaped, tokens: u64) -> Vec<&'static str> {
        let rules = target.rules();
        check(
            target,
            &rules,
            rules.default_max_tokens,
            Shape::Chat,
            shaped,
            tokens,
        )
        .issues
        .iter()
        .map(|i| i.code)
        .collect()
    }

    #[test]
    fn a_clean_conversation_passes_every_target() {
        let row = chat(&[("system", "s"), ("user", "u"), ("assistant", "a")]);
        for target in Target::ALL {
            let rules = target.rules();
            let v = check(
                target,
                &rules,
                rules.default_max_tokens,
                Shape::Chat,
                &row,
                10,
            );
            assert_eq!(v.outcome, Outcome::Ok, "{target}: {:?}", v.issues);
        }
    }

    #[test]
    fn empty_turn_is_reported_with_position_not_content() {
        let row = chat(&[("user", "secret question"), ("assistant", "  ")]);
        let rules = Target::OpenAi.rules();
        let v = check(Target::OpenAi, &rules, None, Shape::Chat, &row, 5);
        assert_eq!(v.outcome, Outcome::WouldDrop);
        assert_eq!(v.issues[0].code, FT_EMPTY_TURN);
        assert_eq!(v.issues[0].detail, "turn 1 (assistant) has no content");
        assert!(!v.issues.iter().any(|i| i.detail.contains("secret")));
    }

    #[test]
    fn roles_are_checked_per_target() {
        let row = chat(&[("user", "u"), ("tool_call", "x"), ("assistant", "a")]);
        assert_eq!(codes(Target::OpenAi, &row, 1), vec![FT_ROLE_INVALID]);
        assert!(codes(Target::MsSwift, &row, 1).is_empty());
        // An unknown role is never echoed.
        let row = chat(&[("customer-john", "u"), ("assistant", "a")]);
        let rules = Target::OpenAi.rules();
        let v = check(Target::OpenAi, &rules, None, Shape::Chat, &row, 1);
        assert!(v.issues[0].detail.contains("an unrecognised role"));
        assert!(!v.issues[0].detail.contains("john"));
        // hf accepts any role but not a missing one.
        assert!(codes(Target::Hf, &row, 1).is_empty());
        let missing = Shaped::Chat(vec![Turn {
            role: None,
            content: Some("x".to_owned()),
        }]);
        assert_eq!(codes(Target::Hf, &missing, 1), vec![FT_ROLE_INVALID]);
    }

    #[test]
    fn system_only_first() {
        let row = chat(&[("user", "u"), ("system", "s"), ("assistant", "a")]);
        assert_eq!(codes(Target::Bailian, &row, 1), vec![FT_ROLE_ORDER]);
        assert!(codes(Target::OpenAi, &row, 1).is_empty());
    }

    #[test]
    fn llamafactory_needs_strict_alternation() {
        let row = chat(&[("user", "u"), ("user", "u2"), ("assistant", "a")]);
        assert_eq!(codes(Target::LlamaFactory, &row, 1), vec![FT_ROLE_ORDER]);
        assert!(codes(Target::OpenAi, &row, 1).is_empty());
        let ok = chat(&[
            ("system", "s"),
            ("user", "u"),
            ("assistant", "a"),
            ("user", "u2"),
            ("assistant", "a2"),
        ]);
        assert!(codes(Target::LlamaFactory, &ok, 1).is_empty());
        let starts_with_assistant = chat(&[("assistant", "a"), ("user", "u"), ("assistant", "b")]);
        assert_eq!(
            codes(Target::LlamaFactory, &starts_with_assistant, 1),
            vec![FT_ROLE_ORDER]
        );
    }

    #[test]
    fn last_turn_and_missing_assistant() {
        let row = chat(&[("user", "u"), ("assistant", "a"), ("user", "u2")]);
        assert_eq!(codes(Target::Trl, &row, 1), vec![FT_LAST_NOT_ASSISTANT]);
        // OpenAI only needs some assistant turn.
        assert!(codes(Target::OpenAi, &row, 1).is_empty());
        let only_user = chat(&[("user", "u")]);
        assert_eq!(codes(Target::OpenAi, &only_user, 1), vec![FT_NO_ASSISTANT]);
        assert!(codes(Target::Hf, &only_user, 1).is_empty());
    }

    #[test]
    fn empty_conversation() {
        assert_eq!(
            codes(Target::Hf, &Shaped::Chat(vec![]), 0),
            vec![FT_EMPTY_CONVERSATION]
        );
    }

    #[test]
    fn length_truncates_or_drops_per_target() {
        let row = chat(&[("user", "u"), ("assistant", "a")]);
        let trl = Target::Trl.rules();
        let v = check(Target::Trl, &trl, Some(1024), Shape::Chat, &row, 1025);
        assert_eq!(v.outcome, Outcome::WouldTruncate);
        assert_eq!(v.issues[0].code, FT_TOO_LONG);
        assert_eq!(
            v.issues[0].detail,
            "1025 tokens > limit 1024 (trl truncates)"
        );
        let v = check(Target::Trl, &trl, Some(1024), Shape::Chat, &row, 1024);
        assert_eq!(v.outcome, Outcome::Ok);
        let swift = Target::MsSwift.rules();
        let v = check(Target::MsSwift, &swift, Some(100), Shape::Chat, &row, 101);
        assert_eq!(v.outcome, Outcome::WouldDrop);
        // No limit configured and none documented: never too long.
        let v = check(Target::MsSwift, &swift, None, Shape::Chat, &row, 1_000_000);
        assert_eq!(v.outcome, Outcome::Ok);
    }

    #[test]
    fn field_shapes_need_their_required_parts() {
        let rules = Target::LlamaFactory.rules();
        let row = Shaped::Fields(vec!["do it".into(), String::new(), "done".into()]);
        let v = check(
            Target::LlamaFactory,
            &rules,
            None,
            Shape::Instruction,
            &row,
            3,
        );
        assert_eq!(
            v.outcome,
            Outcome::Ok,
            "empty input is fine: {:?}",
            v.issues
        );
        let row = Shaped::Fields(vec!["do it".into(), String::new(), " ".into()]);
        let v = check(
            Target::LlamaFactory,
            &rules,
            None,
            Shape::Instruction,
            &row,
            3,
        );
        assert_eq!(v.issues[0].code, FT_EMPTY_TURN);
        assert_eq!(v.issues[0].detail, "`output` is empty");
    }
}
