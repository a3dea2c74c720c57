//! Calendar dates (UTC, proleptic Gregorian) for lifecycle decisions, without
//! dependencies.

use std::fmt;

/// A calendar date. Lifecycle status is computed from a model's dates against one of
/// these: [`Date::today`] when a route is compiled or checked.
///
/// ```
/// use ai_routes_catalog::Date;
/// let d = Date::parse("2026-11-26").unwrap();
/// assert_eq!(d.to_string(), "2026-11-26");
/// assert_eq!(Date::from_unix_seconds(1_795_651_200), d);
/// assert_eq!(d.add_days(5), Date::parse("2026-12-01").unwrap());
/// assert!(Date::parse("2026-02-30").is_none());
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if `month` and `day` exist in `year`.
    pub const fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// For the generated catalog data: a date the generator has already validated.
    pub(crate) const fn ymd(year: i32, month: u8, day: u8) -> Date {
        match Date::new(year, month, day) {
            Some(date) => date,
            None => panic!("invalid date in the catalog data"),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The UTC date of a Unix timestamp in seconds.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date::from_days_since_epoch(seconds.div_euclid(86_400))
    }

    /// `days` later (earlier when negative).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The date lifecycle decisions use: `SOURCE_DATE_EPOCH` (seconds since the Unix
    /// epoch, the reproducible-builds convention) when it is set to an integer, else
    /// the system clock (UTC). The proc macros call this when a route is compiled;
    /// `Client::check_routes` and the local Bedrock stand-in when they run.
    pub fn today() -> Date {
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        Date::today_from(epoch.as_deref())
    }

    /// [`Date::today`] with the value of `SOURCE_DATE_EPOCH` given (`None`: unset).
    pub fn today_from(source_date_epoch: Option<&str>) -> Date {
        if let Some(seconds) = source_date_epoch.and_then(|s| s.trim().parse::<i64>().ok()) {
            return Date::from_unix_seconds(seconds);
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_seconds(i64::try_from(now).unwrap_or(i64::MAX))
    }
}

const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_round_trips() {
        assert_eq!(Date::from_days_since_epoch(0), Date::ymd(1970, 1, 1));
        assert_eq!(Date::ymd(2000, 3, 1).days_since_epoch(), 11_017);
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(Date::ymd(2024, 2, 28).add_days(1), Date::ymd(2024, 2, 29));
        assert_eq!(Date::ymd(2100, 2, 28).add_days(1), Date::ymd(2100, 3, 1));
        assert_eq!(Date::ymd(2026, 12, 1).days_until(Date::ymd(2027, 1, 8)), 38);
    }

    #[test]
    fn parsing_and_source_date_epoch() {
        assert_eq!(Date::parse("2027-01-08"), Some(Date::ymd(2027, 1, 8)));
        for bad in [
            "2027-1-08",
            "2027-13-01",
            "2027-00-10",
            "27-01-08",
            "2027-01-08x",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::parse("2024-02-29"), Some(Date::ymd(2024, 2, 29)));
        assert_eq!(Date::parse("2026-02-29"), None);
        // 2026-12-01T12:00:00Z
        assert_eq!(Date::today_from(Some("1796126400")), Date::ymd(2026, 12, 1));
        assert_eq!(Date::from_unix_seconds(-1), Date::ymd(1969, 12, 31));
        // Unset or not a number: the system clock, which is after this code was written.
        assert!(Date::today_from(None) >= Date::ymd(2026, 1, 1));
        assert!(Date::today_from(Some("soon")) >= Date::ymd(2026, 1, 1));
    }
}
