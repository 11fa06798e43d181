//! Shannon entropy in bits per char, the floor generic secret rules use to tell random tokens
//! from words and placeholders.

/// Shannon entropy of the chars of `value`, in bits per char (0 for an empty value).
pub fn shannon(value: &str) -> f64 {
    let mut counts: std::collections::BTreeMap<char, usize> = std::collections::BTreeMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_figures() {
        // AWS documentation examples, as quoted in the research notes.
        assert!((shannon("AKIAIOSFODNN7EXAMPLE") - 3.68).abs() < 0.01);
        assert!((shannon("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") - 4.66).abs() < 0.01);
    }

    #[test]
    fn low_for_repetition_and_empty() {
        assert_eq!(shannon(""), 0.0);
        assert_eq!(shannon("aaaaaaaa"), 0.0);
        assert!((shannon("abab") - 1.0).abs() < 1e-9);
    }
}
