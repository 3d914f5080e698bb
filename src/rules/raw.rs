//! The rule files as parsed (`RawFile`), written to bytes and read back.
//! Parsing the six TOML files was the largest part of loading the built-in
//! rulebook, on the path every check waits for (BENCHMARKS.md,
//! "Whole-process", stop 17); the frozen file (`thaw`) carries each file
//! parsed, and a run reads it back instead of parsing the TOML. Spans are
//! kept, so every error and line number is the same either way.
//!
//! Little-endian, through `frozen::put`: a string is its length and UTF-8
//! bytes, a list its count and items, an option a 0/1 byte and the value, a
//! span its start and end before the value, a number its bits.

use super::frozen::{Cursor, FrozenError, len32, put, put_bytes};
use super::{Examples, RawFile, RawNot, RawProfile, RawRule, RawSet, RawSignal};
use std::collections::BTreeMap;
use toml::Spanned;

/// `file` as bytes for [`read`].
pub(super) fn write(file: &RawFile) -> Result<Vec<u8>, FrozenError> {
    let mut out = Vec::new();
    file.put(&mut out)?;
    Ok(out)
}

/// The file [`write`] wrote; every byte must be used.
pub(super) fn read(bytes: &[u8]) -> Result<RawFile, FrozenError> {
    let mut cur = Cursor::new(bytes);
    let file = RawFile::take(&mut cur)?;
    if !cur.at_end() {
        return Err(FrozenError::Malformed("trailing bytes"));
    }
    Ok(file)
}

trait Codec: Sized {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError>;
    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError>;
}

impl Codec for String {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        put_bytes(out, self.as_bytes())
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        std::str::from_utf8(cur.take()?)
            .map(str::to_string)
            .map_err(|_| FrozenError::Malformed("text"))
    }
}

impl Codec for f32 {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        put(out, self.to_bits());
        Ok(())
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        Ok(f32::from_bits(cur.u32()?))
    }
}

impl Codec for bool {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        out.push(u8::from(*self));
        Ok(())
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        match cur.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(FrozenError::Malformed("flag")),
        }
    }
}

impl<T: Codec> Codec for Option<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        self.is_some().put(out)?;
        self.as_ref().map_or(Ok(()), |v| v.put(out))
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        Ok(if bool::take(cur)? {
            Some(T::take(cur)?)
        } else {
            None
        })
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        put(out, len32(self.len())?);
        self.iter().try_for_each(|v| v.put(out))
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        let n = cur.u32()? as usize;
        // A count is not trusted with an allocation: the items must be there.
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            items.push(T::take(cur)?);
        }
        Ok(items)
    }
}

impl<T: Codec> Codec for BTreeMap<String, T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        put(out, len32(self.len())?);
        self.iter().try_for_each(|(k, v)| {
            k.put(out)?;
            v.put(out)
        })
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        let n = cur.u32()?;
        let mut map = BTreeMap::new();
        for _ in 0..n {
            map.insert(String::take(cur)?, T::take(cur)?);
        }
        Ok(map)
    }
}

impl<T: Codec> Codec for Spanned<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        put(out, len32(self.span().start)?);
        put(out, len32(self.span().end)?);
        self.get_ref().put(out)
    }

    fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
        let (start, end) = (cur.u32()? as usize, cur.u32()? as usize);
        if start > end {
            return Err(FrozenError::Malformed("span"));
        }
        Ok(Spanned::new(start..end, T::take(cur)?))
    }
}

/// A struct's fields, put and taken in the order listed.
macro_rules! codec {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Codec for $t {
            fn put(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
                $(self.$f.put(out)?;)*
                Ok(())
            }

            fn take(cur: &mut Cursor<'_>) -> Result<Self, FrozenError> {
                Ok($t { $($f: Codec::take(cur)?,)* })
            }
        }
    };
}

codec!(RawFile {
    rule,
    set,
    lexicon,
    profile
});
codec!(RawRule {
    id,
    title,
    force,
    applies_to,
    source,
    weight,
    pass,
    message,
    review,
    fix
});
codec!(RawSet {
    id,
    description,
    area,
    threshold,
    topic,
    exclude,
    signal,
    nots,
    examples
});
codec!(RawSignal {
    name,
    pattern,
    weight,
    topic
});
codec!(RawNot { name, pattern });
codec!(RawProfile {
    description,
    promote
});
codec!(Examples { matches, no_match });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_reads_back_as_parsed() {
        for (name, src) in super::super::embedded_sources() {
            let parsed: RawFile = toml::from_str(&src).unwrap();
            let bytes = write(&parsed).unwrap();
            let back = read(&bytes).unwrap();
            // Written again, the copy gives the same bytes: every field and
            // span survived.
            assert_eq!(write(&back).unwrap(), bytes, "{name}");
            assert_eq!(back.rule.len(), parsed.rule.len(), "{name}");
            for (a, b) in back.rule.iter().zip(&parsed.rule) {
                assert_eq!(a.id.span(), b.id.span());
                assert_eq!(a.message, b.message);
            }
        }
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic() {
        let src = r#"
[[rule]]
id = "R-1"
title = "t"
force = "statute"
applies_to = ["all"]
source = "s"
message = "m"

[[set]]
id = "PAT-X"
area = "training"
signal = [{ pattern = 'train(?:ed|ing)', weight = 0.5 }]
not = [{ pattern = "will train" }]
examples = { match = ["we trained staff"] }

[lexicon]
words = ["board", "trustees"]

[profile.p]
promote = ["R-1"]
"#;
        let parsed: RawFile = toml::from_str(src).unwrap();
        let bytes = write(&parsed).unwrap();
        assert_eq!(write(&read(&bytes).unwrap()).unwrap(), bytes);
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 0x7f, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = read(&b);
            }
        }
    }
}
