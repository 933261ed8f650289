//! Gregorian dates to the Solar Hijri (Jalali) calendar Iran uses, by the
//! 33-year arithmetic (Borkowski's breaks, as in the widely used jalaali
//! algorithm), exact for the years 1178 to 3177 of that calendar.

use chrono::{Datelike, NaiveDate};

const BREAKS: [i32; 20] = [
    -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324,
    2394, 2456, 3178,
];

/// For Jalali year `jy`: how many years since the last leap year (0 is a
/// leap year), and the March day of the Gregorian year `jy + 621` on which
/// `jy` begins.
fn year_start(jy: i32) -> Option<(i32, i32)> {
    if jy < BREAKS[0] || jy >= BREAKS[BREAKS.len() - 1] {
        return None;
    }
    let gy = jy + 621;
    let mut leap_j = -14;
    let mut jp = BREAKS[0];
    let mut jump = 0;
    for &jm in &BREAKS[1..] {
        jump = jm - jp;
        if jy < jm {
            break;
        }
        leap_j += jump / 33 * 8 + jump % 33 / 4;
        jp = jm;
    }
    let mut n = jy - jp;
    leap_j += n / 33 * 8 + (n % 33 + 3) / 4;
    if jump % 33 == 4 && jump - n == 4 {
        leap_j += 1;
    }
    let leap_g = gy / 4 - (gy / 100 + 1) * 3 / 4 - 150;
    let march = 20 + leap_j - leap_g;
    if jump - n < 6 {
        n = n - jump + (jump + 4) / 33 * 33;
    }
    let mut leap = ((n + 1) % 33 - 1) % 4;
    if leap == -1 {
        leap = 4;
    }
    Some((leap, march))
}

/// `(year, month, day)` in the Solar Hijri calendar.
pub fn from_gregorian(date: NaiveDate) -> Option<(i32, u32, u32)> {
    let gy = date.year();
    let mut jy = gy - 621;
    let (leap, march) = year_start(jy)?;
    let start = NaiveDate::from_ymd_opt(gy, 3, u32::try_from(march).ok()?)?;
    let mut k = (date - start).num_days();
    if k < 0 {
        // Before this year's Nowruz: the end of the previous Jalali year,
        // which has an Esfand 30 when this year is one past a leap year.
        jy -= 1;
        k += 179;
        if leap == 1 {
            k += 1;
        }
    } else if k <= 185 {
        let k = u32::try_from(k).ok()?;
        return Some((jy, 1 + k / 31, k % 31 + 1));
    } else {
        k -= 186;
    }
    let k = u32::try_from(k).ok()?;
    Some((jy, 7 + k / 30, k % 30 + 1))
}

/// The Persian names of the twelve months.
pub const MONTHS: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::from_gregorian;
    use chrono::NaiveDate;

    fn j(y: i32, m: u32, d: u32) -> (i32, u32, u32) {
        from_gregorian(NaiveDate::from_ymd_opt(y, m, d).unwrap()).unwrap()
    }

    #[test]
    fn known_days_convert() {
        assert_eq!(j(2025, 3, 21), (1404, 1, 1), "Nowruz 1404");
        assert_eq!(
            j(2024, 3, 20),
            (1403, 1, 1),
            "Nowruz 1403 (after a leap year)"
        );
        assert_eq!(j(2024, 3, 19), (1402, 12, 29));
        assert_eq!(j(2025, 3, 20), (1403, 12, 30), "1403 is a leap year");
        assert_eq!(j(2026, 12, 2), (1405, 9, 11));
        assert_eq!(j(1979, 2, 11), (1357, 11, 22));
        assert_eq!(j(2025, 9, 22), (1404, 6, 31));
        assert_eq!(j(2025, 9, 23), (1404, 7, 1));
        assert_eq!(j(2000, 1, 1), (1378, 10, 11));
    }
}
