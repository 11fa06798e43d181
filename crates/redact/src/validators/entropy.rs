//! Shannon entropy in bits per char, the floor generic secret rules use to tell random tokens
//! from words and placeholders.

/// Shannon entropy of the chars of `value`, in bits per char (0 for an empty value).
pub fn shannon(value: &str) -> f64 {
    // Secrets are ASCII: counted in a table, other chars in a small sorted list. The terms are
    // summed in char order (ASCII first), so the float result does not depend on the layout.
    let mut ascii = [0u32; 128];
    let mut other: Vec<(char, u32)> = Vec::new();
    let mut total = 0usize;
    for c in value.chars() {
        match ascii.get_mut(c as usize) {
            Some(count) => *count += 1,
            None => match other.binary_search_by_key(&c, |&(k, _)| k) {
                Ok(i) => other[i].1 += 1,
                Err(i) => other.insert(i, (c, 1)),
            },
        }
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    ascii
        .iter()
        .copied()
        .filter(|&k| k > 0)
        .chain(other.iter().map(|&(_, k)| k))
        .map(|k| {
            let p = f64::from(k) / n;
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

    /// The reference: counts in an ordered map, summed in char order.
    fn by_map(value: &str) -> f64 {
        let mut counts = std::collections::BTreeMap::<char, usize>::new();
        for c in value.chars() {
            *counts.entry(c).or_default() += 1;
        }
        let n = value.chars().count() as f64;
        counts
            .values()
            .map(|&k| {
                let p = k as f64 / n;
                -p * p.log2()
            })
            .sum()
    }

    #[test]
    fn equals_the_ordered_map_sum_bit_for_bit() {
        for value in [
            "q8Wv2LmZ7xR4tY1uPo9s",
            "密码Ab3dE6gH9jK2mN5q口令",
            "\u{212A}ey=é\u{17F}ß",
            "aaaaaaaaaab",
            "\u{0}\u{7F}\u{80}",
        ] {
            assert_eq!(
                shannon(value).to_bits(),
                by_map(value).to_bits(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn low_for_repetition_and_empty() {
        assert_eq!(shannon(""), 0.0);
        assert_eq!(shannon("aaaaaaaa"), 0.0);
        assert!((shannon("abab") - 1.0).abs() < 1e-9);
    }
}
