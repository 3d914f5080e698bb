//! The fixed tune/check split: a document belongs to `check` when the
//! FNV-1a hash of its id is divisible by three (about a third), otherwise to
//! `tune`. The hash is written out here, not taken from `std`, so the split
//! never moves between Rust versions or platforms.

use std::fmt;
use std::str::FromStr;

/// Which part of a labelled set to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// About two thirds: the part whose errors may be studied.
    Tune,
    /// About one third: only measured, never studied.
    Check,
}

impl Split {
    /// The part a document id belongs to.
    pub fn of(id: &str) -> Split {
        if fnv1a(id.as_bytes()) % 3 == 0 {
            Split::Check
        } else {
            Split::Tune
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Split::Tune => "tune",
            Split::Check => "check",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Split {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tune" => Ok(Split::Tune),
            "check" => Ok(Split::Check),
            other => Err(format!("unknown split '{other}': use tune or check")),
        }
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_fixed_and_about_a_third() {
        // Known values of FNV-1a 64: a changed hash would move documents.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let ids: Vec<String> = (0..3000).map(|i| format!("{i:03}")).collect();
        let check = ids.iter().filter(|i| Split::of(i) == Split::Check).count();
        assert!((900..1100).contains(&check), "{check} of 3000 in check");
        assert_eq!(Split::of("001"), Split::of("001"));
        assert_eq!("check".parse::<Split>(), Ok(Split::Check));
        assert!("both".parse::<Split>().is_err());
    }
}
