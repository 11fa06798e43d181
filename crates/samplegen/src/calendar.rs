//! Proleptic Gregorian calendar arithmetic (days since 1970-01-01), enough to produce real dates
//! and timestamps without a date library.

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// True when `year-month-day` exists in the Gregorian calendar.
pub fn is_real_date(year: i64, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// Number of days in a month.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYY-MM-DD`.
pub fn iso_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYYMMDD`, the form used inside identifiers.
pub fn compact_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

/// Splits seconds since the epoch into (day number, hour, minute, second).
fn split_seconds(seconds: i64) -> (i64, i64, i64, i64) {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    (days, rest / 3_600, rest % 3_600 / 60, rest % 60)
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `suffix` (e.g. `Z` or `+08:00`).
pub fn iso_timestamp(seconds: i64, suffix: &str) -> String {
    let (days, h, m, s) = split_seconds(seconds);
    format!("{}T{h:02}:{m:02}:{s:02}{suffix}", iso_date(days))
}

/// `YYYY-MM-DD HH:MM:SS`, the form people paste from logs.
pub fn spaced_timestamp(seconds: i64) -> String {
    let (days, h, m, s) = split_seconds(seconds);
    format!("{} {h:02}:{m:02}:{s:02}", iso_date(days))
}

/// `YYYYMMDDHHMMSS`.
pub fn compact_timestamp(seconds: i64) -> String {
    let (days, h, m, s) = split_seconds(seconds);
    format!("{}{h:02}{m:02}{s:02}", compact_date(days))
}

/// Seconds since the epoch at midnight UTC of a civil date.
pub fn epoch_seconds(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_day_numbers() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn round_trips_over_two_centuries() {
        for days in (-40_000..40_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert!(is_real_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(!is_real_date(2023, 2, 29));
        assert!(is_real_date(2024, 2, 29));
        assert!(!is_real_date(1900, 2, 29));
        assert!(!is_real_date(2025, 13, 1));
        assert!(!is_real_date(2025, 4, 31));
        assert!(!is_real_date(2025, 1, 0));
    }

    #[test]
    fn formats() {
        let t = epoch_seconds(2025, 3, 14) + 9 * 3_600 + 30 * 60 + 15;
        assert_eq!(iso_timestamp(t, "Z"), "2025-03-14T09:30:15Z");
        assert_eq!(spaced_timestamp(t), "2025-03-14 09:30:15");
        assert_eq!(compact_timestamp(t), "20250314093015");
        assert_eq!(compact_date(days_from_civil(1991, 1, 1)), "19910101");
    }
}
