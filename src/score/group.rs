//! Group statements (rules.md §3.4, §6.4): is the statement made for more
//! than one legal entity, which entities does it name, and, given a members
//! list (`--members`), does it name each member.
//!
//! How names are compared: both the statement and each member name go through
//! one tokeniser ([`name_tokens`]) that lowercases, turns `&` into `and`,
//! drops punctuation and possessive `'s`, joins spelled-out initials
//! (`I.I.R.` → `iir`, `P.L.C.` → `plc`) and writes legal forms one way
//! (`Limited` → `ltd`, `public limited company` → `plc`, `Cyfyngedig` → `ltd`).
//! Members are then found with a token trie in one pass over the text, so
//! thousands of members cost about as much as one. A match must be the whole
//! name: "Acme Foods Ltd" is not named by "Acme Food Services Ltd" (different
//! tokens) nor by "Northern Acme Foods Ltd" (a capitalised word before it
//! belongs to the name), and a name given without its legal form ("Acme
//! Foods") only counts when it stands alone, capitalised, not followed by
//! another name word or a different legal form ("Acme Foods plc").

mod members;

pub use members::{
    MAX_MEMBERS, MAX_MEMBERS_FILE_BYTES, MembersError, MembersList, parse_members_csv,
    read_members_file,
};

use super::Member;
use crate::domain::{Document, Evidence, Group, MemberCoverage};
use crate::rules::Pattern as Rx;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Most entities listed for one statement (a statement naming hundreds of
/// companies still gives a bounded answer).
pub const MAX_ENTITIES: usize = 200;
/// Most quotes kept per member.
const MAX_MEMBER_EVIDENCE: usize = 3;
/// Longest entity name, in tokens, read backwards from its legal form.
const MAX_NAME_TOKENS: usize = 10;
/// Most words read from one text for names (about 6 MB of English; a long
/// statement has 20,000): a bound on memory however large the input.
const MAX_TEXT_TOKENS: usize = 1_000_000;
/// Longest run of spelled-out initials joined into one word ("I.I.R." →
/// "iir"): keeps each join's checks short, so "a a a …" costs linear time.
const MAX_INITIALS: usize = 12;

/// Everything group detection found; [`detect`] returns its `group` part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupAnalysis {
    pub group: Group,
    /// The wording that makes it a group statement ("… and its subsidiaries").
    pub cue: Option<Evidence>,
    /// Quotes of each entity in `group.entities` (first mention), same order.
    pub entity_evidence: Vec<Evidence>,
    /// Wording showing each entity's board approved or adopted it.
    pub per_entity_approval: Option<Evidence>,
}

/// Detects whether `doc` is a group statement, the entities it names, and,
/// when `members` is not empty, one coverage entry per member.
pub fn detect(doc: &Document, members: &[Member]) -> Group {
    analyse(doc, members).group
}

/// [`detect`] with the evidence behind each answer.
pub fn analyse(doc: &Document, members: &[Member]) -> GroupAnalysis {
    let text = doc.text.as_str();
    let lower = text.to_ascii_lowercase();
    let toks = name_tokens(text, &lower);
    let found = find_entities(text, &toks);
    let entity_spans: Vec<(usize, usize)> = found.iter().map(|e| (e.start, e.end)).collect();
    let cue = group_cue(text, &entity_spans);
    // Entities are the ones a group statement is made for (the corpus
    // labelling rule): none for a single organisation's statement, and not
    // the owners, advisers or suppliers it mentions.
    let listed: Vec<&Entity> = if cue.is_some() {
        found
            .iter()
            .filter(|e| !e.outside)
            .take(MAX_ENTITIES)
            .collect()
    } else {
        Vec::new()
    };
    let coverage = if members.is_empty() {
        Vec::new()
    } else {
        member_coverage(doc, &toks, members, &found)
    };
    let entities: Vec<String> = listed.iter().map(|e| e.name.clone()).collect();
    let per_entity_approval = PER_ENTITY_APPROVAL
        .find(text)
        .map(|m| doc.evidence(m.start(), m.end()));
    GroupAnalysis {
        group: Group {
            is_group: cue.is_some(),
            entities,
            coverage,
        },
        cue: cue.map(|(s, e)| doc.evidence(s, e)),
        entity_evidence: listed
            .iter()
            .map(|e| doc.evidence(e.start, e.end))
            .collect(),
        per_entity_approval,
    }
}

// ---------------------------------------------------------------------------
// Tokens

/// What separates a token from the one before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Sep {
    /// Spaces (a single line break counts as a space: names wrap).
    Space,
    /// Full stops (and spaces): initials, abbreviations or a sentence end.
    Dot,
    /// One bracket: "Nest Labs (Europe) Ltd".
    Bracket,
    /// One comma: "Nest Labs, Inc.", "Chancellor, Masters, and Scholars".
    Comma,
    /// Anything else: other punctuation, blank lines, the start of the text.
    #[default]
    Other,
}

/// Classifies the gap between two words from its non-space characters.
fn classify_gap(punct: &str, newlines: u32, start: bool) -> Sep {
    if start || newlines >= 2 {
        return Sep::Other;
    }
    match punct {
        "" => Sep::Space,
        "(" | ")" => Sep::Bracket,
        "," => Sep::Comma,
        p if p.chars().all(|c| c == '.') => Sep::Dot,
        _ => Sep::Other,
    }
}

/// A canonical name token with its byte span in the source text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Tok<'a> {
    /// Borrowed from the lowercased text (or a constant) unless rewritten:
    /// most words need no allocation.
    norm: Cow<'a, str>,
    start: usize,
    end: usize,
    /// First letter upper case, or starts with a digit.
    cap: bool,
    sep: Sep,
}

/// Raw words: alphanumeric runs (apostrophes inside a word are dropped, a
/// final possessive `'s` too) and `&` as the word `and`, each handed to
/// [`push_joined`] as it is read. `lower` is `text` with ASCII letters
/// lowercased (same byte offsets).
fn raw_tokens<'a>(text: &str, lower: &'a str) -> Vec<Tok<'a>> {
    let mut out: Vec<Tok<'a>> = Vec::with_capacity((text.len() / 6).min(MAX_TEXT_TOKENS));
    // The gap since the last word: its punctuation (a few characters are
    // enough to classify it) and its line breaks.
    let mut punct = String::new();
    let mut newlines = 0u32;
    let mut i = 0;
    while let Some(c) = char_at(text, i) {
        if out.len() >= MAX_TEXT_TOKENS {
            break;
        }
        if c.is_alphanumeric() {
            let sep = classify_gap(&punct, newlines, out.is_empty());
            let start = i;
            let mut end = i + c.len_utf8();
            // ASCII without apostrophes: its canonical form is its
            // lowercased bytes (a possessive needs an apostrophe).
            let mut plain = c.is_ascii();
            loop {
                // ASCII letters and digits, most of a word, need no decoding.
                end += text.as_bytes().get(end..).map_or(0, ascii_alphanumeric_run);
                let Some(d) = char_at(text, end) else {
                    break;
                };
                if d.is_alphanumeric() {
                    plain &= d.is_ascii();
                    end += d.len_utf8();
                } else if matches!(d, '\'' | '’')
                    && char_at(text, end + d.len_utf8()).is_some_and(char::is_alphanumeric)
                {
                    // Inside a word only when a letter follows.
                    plain = false;
                    end += d.len_utf8();
                } else {
                    break;
                }
            }
            let raw = &text[start..end];
            let norm = match lower.get(start..end) {
                Some(l) if plain => Cow::Borrowed(l),
                _ => Cow::Owned(unicode_norm(raw)),
            };
            let tok = Tok {
                norm,
                start,
                end,
                cap: c.is_uppercase() || c.is_ascii_digit(),
                sep,
            };
            push_joined(&mut out, tok, text);
            punct.clear();
            newlines = 0;
            i = end;
            continue;
        }
        if c == '&' {
            let sep = classify_gap(&punct, newlines, out.is_empty());
            let tok = Tok {
                norm: Cow::Borrowed("and"),
                start: i,
                end: i + 1,
                cap: false,
                sep,
            };
            push_joined(&mut out, tok, text);
            punct.clear();
            newlines = 0;
        } else if c == '\n' {
            newlines += 1;
        } else if c.is_whitespace() {
            // spaces do not change the gap
        } else if punct.len() < 8 {
            punct.push(c);
        }
        i += c.len_utf8();
    }
    out
}

/// A word's canonical form when it is not plain ASCII: lowercased letters
/// and digits, apostrophes and a possessive `'s` dropped ("Acme's" and
/// "Acme" are the same name).
fn unicode_norm(raw: &str) -> String {
    let mut norm = String::with_capacity(raw.len());
    for d in raw.chars().filter(|d| d.is_alphanumeric()) {
        norm.extend(d.to_lowercase());
    }
    if norm.len() > 2
        && norm.ends_with('s')
        && (raw.ends_with("'s") || raw.ends_with("’s") || raw.ends_with("'S"))
    {
        norm.pop();
    }
    norm
}

/// Length of the leading run of ASCII letters and digits: the bytes that
/// `char::is_alphanumeric` accepts without decoding a character.
fn ascii_alphanumeric_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(bytes.len())
}

/// The character starting at byte `i` (ASCII without decoding).
fn char_at(text: &str, i: usize) -> Option<char> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() {
        Some(b as char)
    } else {
        text.get(i..)?.chars().next()
    }
}

/// Legal forms written one way. Longest phrases first.
const PHRASES: &[(&[&str], &str)] = &[
    (&["public", "limited", "company"], "plc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "partnership"], "lp"),
    (&["limited"], "ltd"),
    (&["cyfyngedig"], "ltd"),
    (&["cyf"], "ltd"),
    (&["ccc"], "plc"),
    (&["incorporated"], "inc"),
    (&["corporation"], "corp"),
    (&["company"], "co"),
    (&["proprietary"], "pty"),
];

/// The first words of [`PHRASES`] (a test checks every phrase's).
fn starts_phrase(word: &str) -> bool {
    matches!(
        word,
        "public"
            | "limited"
            | "cyfyngedig"
            | "cyf"
            | "ccc"
            | "incorporated"
            | "corporation"
            | "company"
            | "proprietary"
    )
}

/// Words that end a public body's name.
const PUBLIC_BODY_ENDS: &[&str] = &["council", "trust", "authority", "college", "university"];

/// Small words that may sit inside a name ("Bank of Northshire", "Smith & Sons").
const CONNECTORS: &[&str] = &[
    "of", "and", "the", "for", "de", "du", "des", "la", "le", "van", "von", "der", "den", "y",
    "et", "in",
];

/// Capitalised words that start sentences or headings rather than names.
const NOT_NAME_WORDS: &[&str] = &[
    "the",
    "this",
    "these",
    "that",
    "those",
    "our",
    "we",
    "in",
    "at",
    "on",
    "for",
    "by",
    "as",
    "of",
    "all",
    "each",
    "both",
    "its",
    "their",
    "during",
    "since",
    "following",
    "including",
    "include",
    "includes",
    "through",
    "under",
    "from",
    "with",
    "within",
    "to",
    "and",
    "where",
    "when",
    "while",
    "although",
    "signed",
    "approved",
    "director",
    "directors",
    "board",
    "chief",
    "executive",
    "officer",
    "chairman",
    "chair",
    "ceo",
    "cfo",
    "managing",
    "statement",
    "slavery",
    "modern",
    "human",
    "trafficking",
    "act",
    "section",
    "subsidiary",
    "subsidiaries",
    "parent",
    "name",
    "date",
    "signature",
    "dear",
    "note",
    "registered",
    "number",
    "office",
    "address",
    "contact",
    "about",
    "introduction",
    "behalf",
    "annual",
    "report",
    "policy",
    "policies",
    "a",
    "an",
    "is",
    "are",
    "was",
    "it",
    "he",
    "she",
    "they",
    "if",
    "or",
    "not",
    "also",
    "other",
    "such",
    "any",
    "every",
    "member",
    "members",
    "entity",
    "entities",
    "company",
    "companies",
    "group",
    "us",
    "summary",
    "then",
    "here",
    "there",
    "what",
    "who",
    "how",
    "why",
    "yes",
    "no",
    "signatory",
    "position",
    "title",
    "secretary",
    "partner",
    "partners",
    "designated",
    "finance",
    "financial",
    "year",
    "ended",
    "ending",
    "against",
    "business",
    "conclusion",
    "conclusions",
    "overview",
    "background",
    "supervisory",
    "structure",
    "operations",
    "organisation",
    "organization",
    "risk",
    "risks",
    "training",
    "due",
    "diligence",
    "effectiveness",
    "approval",
    "supply",
    "chain",
    "chains",
    "purpose",
    "scope",
    "commitment",
    "compliance",
    "governance",
    "kpis",
    "next",
    "steps",
    "progress",
    "assessment",
    "monitoring",
    "remediation",
    "whistleblowing",
    "procurement",
    "suppliers",
    "contents",
    "foreword",
    "welcome",
    "message",
    "dated",
    "sincerely",
];

/// The canonical name tokens of a text: raw words, spelled-out initials
/// joined, legal forms written one way. `lower` is
/// `text.to_ascii_lowercase()`: tokens borrow from it.
fn name_tokens<'a>(text: &str, lower: &'a str) -> Vec<Tok<'a>> {
    let mut toks = raw_tokens(text, lower);
    // Phrases → one canonical token, in place: `w` trails `i`, and slots
    // before `i` are never read again.
    let mut w = 0;
    let mut i = 0;
    'outer: while i < toks.len() {
        // Most words start no phrase: skip them with one comparison.
        if starts_phrase(&toks[i].norm) {
            for (phrase, canon) in PHRASES {
                let n = phrase.len();
                if i + n <= toks.len()
                    && phrase
                        .iter()
                        .zip(&toks[i..i + n])
                        .all(|(p, t)| t.norm == *p)
                    && toks[i + 1..i + n].iter().all(|t| t.sep == Sep::Space)
                {
                    toks[w] = Tok {
                        norm: Cow::Borrowed(canon),
                        start: toks[i].start,
                        end: toks[i + n - 1].end,
                        cap: toks[i].cap,
                        sep: toks[i].sep,
                    };
                    w += 1;
                    i += n;
                    continue 'outer;
                }
            }
        }
        // Until a phrase is joined the token is already in its slot.
        if w != i {
            toks.swap(w, i);
        }
        w += 1;
        i += 1;
    }
    toks.truncate(w);
    toks
}

/// Adds a raw word, joining runs of single letters separated by spaces or
/// dots: "I.I.R." → "iir".
fn push_joined<'a>(joined: &mut Vec<Tok<'a>>, t: Tok<'a>, text: &str) {
    let single = {
        let mut cs = t.norm.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
    };
    if single
        && matches!(t.sep, Sep::Space | Sep::Dot)
        && let Some(prev) = joined.last_mut()
        && prev.norm.len() < MAX_INITIALS
        && prev.norm.chars().all(char::is_alphabetic)
        && prev.end <= t.start
        && is_initials(&prev.norm, &text[prev.start..prev.end])
    {
        prev.norm.to_mut().push_str(&t.norm);
        prev.end = t.end;
        prev.cap &= t.cap;
        return;
    }
    joined.push(t);
}

/// A token built from initials so far ("i", "ii", "iir"): its source is
/// letters each followed by a dot or space, i.e. every letter stands alone.
fn is_initials(norm: &str, raw: &str) -> bool {
    let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
    letters == norm.chars().count()
        && (letters == 1 || raw.chars().any(|c| c == '.' || c.is_whitespace()))
}

/// The canonical form of an organisation name, for comparing names
/// ("The Acme & Co. Limited" → "acme and co ltd").
pub fn normalise_name(name: &str) -> String {
    let toks = member_tokens(name);
    toks.join(" ")
}

fn member_tokens(name: &str) -> Vec<String> {
    let lower = name.to_ascii_lowercase();
    let mut toks: Vec<String> = name_tokens(name, &lower)
        .into_iter()
        .map(|t| t.norm.into_owned())
        .collect();
    if toks.len() > 1 && toks[0] == "the" {
        toks.remove(0);
    }
    toks
}

/// Legal forms that end an entity's name. A `match`, not a list: it is
/// asked of every word, and compiles to length and word compares.
fn is_legal_form(norm: &str) -> bool {
    // Every form has two to four letters: most words fail on length alone.
    (2..=4).contains(&norm.len())
        && matches!(
            norm,
            "ltd"
                | "plc"
                | "llp"
                | "lp"
                | "inc"
                | "corp"
                | "gmbh"
                | "sa"
                | "bv"
                | "nv"
                | "llc"
                | "ag"
                | "spa"
                | "sas"
                | "sarl"
                | "srl"
                | "ab"
                | "as"
                | "oy"
                | "kk"
                | "se"
                | "cic"
        )
}

// ---------------------------------------------------------------------------
// Entities named in the text

/// Whether the surface form of a legal-form token is written as one (so "a
/// limited number" or "as" are not read as "Limited" or the Norwegian "AS").
fn legal_form_surface(tok: &Tok<'_>, text: &str) -> bool {
    let raw = &text[tok.start..tok.end];
    match tok.norm.as_ref() {
        "ltd" => raw.starts_with(['L']),
        "plc" => true,
        "llp" | "lp" | "llc" | "sa" | "bv" | "nv" | "ag" | "spa" | "sas" | "sarl" | "srl" => {
            raw.chars().next().is_some_and(char::is_uppercase)
                && (raw.len() > 2 || raw.chars().all(|c| !c.is_lowercase()))
        }
        "inc" | "corp" | "gmbh" => raw.starts_with(|c: char| c.is_uppercase()),
        // Short or ambiguous forms only in capitals.
        "ab" | "as" | "oy" | "kk" | "se" | "cic" => raw.chars().all(|c| !c.is_lowercase()),
        _ => false,
    }
}

/// An entity named in the text: its name as written and its first mention.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entity {
    name: String,
    start: usize,
    end: usize,
    /// Every mention reads as an organisation the statement is not made for
    /// ("a subsidiary of Alphabet Inc.", "advisers, Dechert LLP").
    outside: bool,
}

/// Words just before a name that make it an organisation other than those
/// the statement covers: an owner, an approver outside the group, an
/// adviser, a supplier or customer.
static OUTSIDE_BEFORE: LazyLock<Option<Rx>> = LazyLock::new(|| {
    crate::rules::matcher::fixed_ci(r"(?:subsidiary of|subsidiaries of|owned by|controlled by|part of|approved by|advis[eo]rs?|auditors?|parent(?: company| undertaking)?|partnership with|such as|suppliers?|customers?|clients?|member of|members of|acquired by|sold to|acquisition of|reported to|referred to|work(?:s|ed|ing)? with|supported by|funded by|regulated by|registered with|accredited by|certified by|signator(?:y|ies) to)\s*[,:]?\s*(?:the\s+|an?\s+)?$")
    .ok()
});

fn outside_context(text: &str, start: usize) -> bool {
    let from = floor_boundary(text, start.saturating_sub(48));
    let before = &text[from..start];
    OUTSIDE_BEFORE
        .as_ref()
        .is_some_and(|re| re.is_match(before))
}

/// Most entities read from one text (the report lists [`MAX_ENTITIES`]; the
/// rest still guard member matching).
const MAX_SCAN_ENTITIES: usize = 20_000;

/// Entities ending in a legal form, plus "Name (the Company)" definitions,
/// deduplicated by [`normalise_name`] (first spelling kept).
fn find_entities(text: &str, toks: &[Tok<'_>]) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut push = |s: usize, e: usize, out: &mut Vec<Entity>| {
        let name = tidy_surface(&text[s..e]);
        let key = normalise_name(&name);
        if key.is_empty() {
            return;
        }
        let outside = outside_context(text, s);
        if let Some(&i) = seen.get(&key) {
            let existing: &mut Entity = &mut out[i];
            existing.outside &= outside;
            return;
        }
        if out.len() >= MAX_SCAN_ENTITIES {
            return;
        }
        seen.insert(key, out.len());
        out.push(Entity {
            name,
            start: s,
            end: e,
            outside,
        });
    };
    for k in 0..toks.len() {
        let t = &toks[k];
        if !is_legal_form(&t.norm) || !legal_form_surface(t, text) {
            continue;
        }
        // "Acme Ltd" and "Acme Pty Ltd": take the last legal form of a run.
        if let Some(next) = toks.get(k + 1)
            && next.sep == Sep::Space
            && is_legal_form(&next.norm)
            && legal_form_surface(next, text)
        {
            continue;
        }
        if k == 0 || !legal_form_gap_ok(toks, text, k) {
            continue;
        }
        if let Some(first) = name_start(toks, text, k - 1, t.start) {
            let mut end = t.end;
            // Keep the full stop of "Ltd." / "Inc." as written.
            if text[end..].starts_with('.') && matches!(t.norm.as_ref(), "ltd" | "inc" | "corp") {
                end += 1;
            }
            push(toks[first].start, end, &mut out);
        }
    }
    // Public bodies have no legal form: "Eastmere Borough Council",
    // "Wrenford Hospitals NHS Foundation Trust", "University of Corriemoor".
    for k in 0..toks.len() {
        let t = &toks[k];
        if !t.cap || !PUBLIC_BODY_ENDS.contains(&t.norm.as_ref()) {
            continue;
        }
        let next = toks.get(k + 1);
        if t.norm == "university"
            && let Some(of) = next
            && of.norm == "of"
            && of.sep == Sep::Space
        {
            // "University of X Y": the capitalised words after "of".
            let mut last = k + 1;
            while last + 1 < toks.len()
                && last - k < 4
                && toks[last + 1].cap
                && toks[last + 1].sep == Sep::Space
                && !NOT_NAME_WORDS.contains(&toks[last + 1].norm.as_ref())
            {
                last += 1;
            }
            if last > k + 1 {
                push(t.start, toks[last].end, &mut out);
            }
            continue;
        }
        // The name goes on ("Eastmere Trust Board") or is a company.
        if next.is_some_and(|n| n.sep == Sep::Space && n.cap) {
            continue;
        }
        if let Some(first) = name_start(toks, text, k, t.end)
            && first < k
            && toks[first..k]
                .iter()
                .any(|w| w.cap && !NOT_NAME_WORDS.contains(&w.norm.as_ref()))
        {
            push(toks[first].start, t.end, &mut out);
        }
    }
    // "Northshire Borough Council (the Council)", "Acme Foods (“Acme”)".
    for m in DEFINED_TERM.find_iter(text) {
        let open = m.start();
        let k = toks.partition_point(|t| t.end <= open);
        if k == 0 {
            continue;
        }
        let last = k - 1;
        // The bracket must follow the name directly.
        if !text[toks[last].end..open].trim().is_empty() {
            continue;
        }
        if is_legal_form(&toks[last].norm) {
            continue; // already found above
        }
        if let Some(first) = name_start(toks, text, last, toks[last].end) {
            push(toks[first].start, toks[last].end, &mut out);
        }
    }
    out
}

/// Whether the legal form at `k` is attached to the word before it: "Acme
/// Ltd", "Nest Labs (Europe) Ltd", "Nest Labs, Inc.", "I.I.R. Limited",
/// "Smith & Co. Ltd".
fn legal_form_gap_ok(toks: &[Tok<'_>], text: &str, k: usize) -> bool {
    let t = &toks[k];
    match t.sep {
        Sep::Space => true,
        Sep::Bracket => text[toks[k - 1].end..t.start].trim() == ")",
        Sep::Comma => matches!(t.norm.as_ref(), "inc" | "llc" | "ltd" | "llp"),
        Sep::Dot => is_abbreviation(&toks[k - 1], text),
        Sep::Other => false,
    }
}

/// "Co.", "St.", "Bros." or initials ("I.I.R."): a full stop after it does
/// not end a sentence.
fn is_abbreviation(t: &Tok<'_>, text: &str) -> bool {
    matches!(t.norm.as_ref(), "co" | "st" | "bros" | "mfg" | "intl")
        || (t.norm.chars().count() <= 4
            && t.norm.chars().all(char::is_alphabetic)
            && text[t.start..t.end].contains('.'))
        || t.norm.chars().count() == 1
}

/// Whether the gap before token `i` can sit inside a name.
fn inside_name_gap(toks: &[Tok<'_>], text: &str, i: usize, commas: bool) -> bool {
    match toks[i].sep {
        Sep::Space | Sep::Bracket => true,
        Sep::Comma => commas,
        Sep::Dot => i > 0 && is_abbreviation(&toks[i - 1], text),
        Sep::Other => false,
    }
}

/// Walks back from `last` (the last word of a name) over capitalised words
/// and connectors; `end` is where the name ends (brackets before it must
/// balance: "Nest Labs (Europe) Ltd"); returns the first token of the name after trimming
/// sentence words, or `None` when no proper name word is left.
fn name_start(toks: &[Tok<'_>], text: &str, last: usize, end: usize) -> Option<usize> {
    let proper =
        |t: &Tok<'_>| t.cap && !is_legal_form(&t.norm) || t.norm == "co" || t.norm == "pty";
    let connector = |t: &Tok<'_>| !t.cap && CONNECTORS.contains(&t.norm.as_ref());
    if !proper(&toks[last]) {
        return None;
    }
    let mut first = last;
    while first > 0
        && last - first + 1 < MAX_NAME_TOKENS
        && inside_name_gap(toks, text, first, false)
        && (proper(&toks[first - 1]) || connector(&toks[first - 1]))
    {
        first -= 1;
    }
    // Trim leading connectors, numbers and sentence words ("During 2024 Acme
    // Ltd"), and anything before an unbalanced bracket ("(Foo) Acme Ltd").
    while first <= last {
        let t = &toks[first];
        let unbalanced = {
            let span = text.get(t.start..end).unwrap_or("");
            span.matches(')').count() != span.matches('(').count()
        };
        let trim = !t.cap
            || unbalanced
            || NOT_NAME_WORDS.contains(&t.norm.as_ref())
            || t.norm.chars().all(|c| c.is_ascii_digit());
        if !trim {
            break;
        }
        first += 1;
    }
    (first <= last).then_some(first)
}

/// Folds whitespace and trims stray punctuation from a name as written.
fn tidy_surface(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for tail in ["'s", "’s", "'S", "’S"] {
        if let Some(stripped) = s.strip_suffix(tail) {
            return stripped.to_string();
        }
    }
    s
}

static DEFINED_TERM: LazyLock<Rx> = LazyLock::new(|| {
    // The alternation is a fixed list: the pattern cannot fail to compile.
    crate::rules::matcher::fixed_ci(r#"\(\s*(?:(?:together|collectively|hereafter|hereinafter)\s*,?\s*)?(?:referred to as\s+)?(?:the\s+)?(?:["']|“|”|‘|’)?(?:the\s+)?(?:company|group|firm|partnership|university|trust|council|charity|organisation|organization|business|society|authority|college|we|us)(?:["']|“|”|‘|’)?\s*(?:,[^)]{0,40})?\)"#)
    .unwrap_or_else(|_| Rx::never())
});

// ---------------------------------------------------------------------------
// Is it a group statement?

static GROUP_CUES: LazyLock<Vec<Rx>> = LazyLock::new(|| {
    let sources = [
        // "X Ltd and its subsidiaries", "including its wholly owned companies",
        // "the Council and its arm's-length bodies".
        r"\b(?:and|including|together with|as well as|plus)\s+(?:(?:all|each|certain|some)\s+(?:of\s+)?)?(?:its|their|our|the|all|applicable|relevant)\s+(?:(?:[\w'-]|’)+\s+){0,3}?(?:subsidiar(?:y|ies)|group (?:companies|undertakings|entities)|related (?:entities|companies)|controlled entities|affiliated (?:companies|entities)|operating companies|(?:wholly[- ]owned|trading) companies|arm(?:’|')?s[- ]length (?:bodies|companies|organisations|organizations|management organisations))\b",
        // "on behalf of Acme Ltd, its subsidiary companies".
        r"\bon behalf of\b[^.]{0,160}?\b(?:its|their|our)\s+(?:(?:[\w'-]|’)+\s+){0,2}?(?:subsidiar(?:y|ies)|group companies|related entities|affiliates)\b",
        r"\bon behalf of (?:itself|themselves) and\b",
        // "(together 'the Group')", "(together Acme, or the Group)".
        r"\((?:together|collectively)\b[^)]{0,60}\bgroup\b[^)]{0,10}\)",
        r"\bgroup(?:[- ]wide)? (?:modern slavery |slavery and human trafficking )?statement\b",
        r"\b(?:statement|report)\b[^.]{0,60}\b(?:covers|applies to|is made (?:by|for|on behalf of)|relates to)\s+(?:each of\s+|all of\s+)?the following\b",
        r"\b(?:entities|companies|subsidiaries|organisations|organizations|bodies)\s+(?:that are\s+|which are\s+)?(?:covered|included) (?:by|in) this statement\b",
        r"\b(?:this|the|our)\s+statement\s+(?:is made|is published|applies|covers|relates|has been prepared|is issued)\b[^.]{0,200}?\b(?:subsidiaries|group companies|operating companies|entities within the group|all (?:the )?companies)\b",
    ];
    sources
        .iter()
        .filter_map(|s| crate::rules::matcher::fixed_ci(s).ok())
        .collect()
});

/// "on behalf of the Acme Group" (case-sensitive "Group": a name).
static NAMED_GROUP: LazyLock<Option<Rx>> = LazyLock::new(|| {
    crate::rules::matcher::try_fixed(r"\b(?:on behalf of|issued by|made by|covers|applies to)\s+(?:the\s+)?(?:[A-Z](?:[\w&'-]|’)*\s+){1,4}Group\b").ok()
});

/// Words that turn a cue into its opposite ("has no subsidiaries").
static NEGATED: LazyLock<Option<Rx>> =
    LazyLock::new(|| crate::rules::matcher::fixed_ci(r"\b(?:no|not|any|without|none)\b").ok());

static PER_ENTITY_APPROVAL: LazyLock<Rx> = LazyLock::new(|| {
    crate::rules::matcher::fixed_ci(r"\b(?:approved|adopted|endorsed)\b[^.]{0,60}\b(?:boards|each board|board of each|boards of (?:each|all|the))\b|\b(?:boards|board of directors) of (?:each|all|every) (?:of )?(?:the |its |our )?(?:\w+ ){0,2}(?:subsidiar|compan|entit)")
    .unwrap_or_else(|_| Rx::never())
});

/// The byte span of the wording that makes this a group statement.
fn group_cue(text: &str, entity_spans: &[(usize, usize)]) -> Option<(usize, usize)> {
    for re in GROUP_CUES.iter() {
        for m in re.find_iter(text) {
            let s = m.as_str();
            // "has no subsidiaries" / "does not have any subsidiaries".
            let before = text
                .get(floor_boundary(text, m.start().saturating_sub(30))..m.start())
                .unwrap_or("");
            if NEGATED.as_ref().is_some_and(|n| {
                n.is_match(s) || n.is_match(before.rsplit(['.', ',']).next().unwrap_or(""))
            }) {
                continue;
            }
            return Some((m.start(), m.end()));
        }
    }
    if let Some(re) = NAMED_GROUP.as_ref() {
        for m in re.find_iter(text) {
            // "For and on behalf of Acme Group Ltd" is a signature, and
            // "Acme Group Ltd" one company.
            let before = &text[floor_boundary(text, m.start().saturating_sub(8))..m.start()];
            let after = text[m.end()..].trim_start();
            let after_word: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '.')
                .collect::<String>()
                .to_ascii_lowercase();
            let company = matches!(
                after_word.trim_end_matches('.'),
                "ltd" | "limited" | "plc" | "llp" | "lp" | "inc" | "llc" | "holdings" | "gmbh"
            );
            if company || before.to_ascii_lowercase().ends_with("for and ") {
                continue;
            }
            return Some((m.start(), m.end()));
        }
    }
    // A sentence presenting the statement as made for two or more named entities.
    // Counting the entities first spares most sentences the pattern; sorted
    // spans make the count a short walk from the sentence's start. With
    // fewer than two entities no sentence can qualify.
    if entity_spans.len() < 2 {
        return None;
    }
    let mut spans = entity_spans.to_vec();
    spans.sort_unstable();
    for (s, e) in sentences(text) {
        let from = spans.partition_point(|&(a, _)| a < s);
        let n = spans[from..]
            .iter()
            .take_while(|&&(a, _)| a <= e)
            .filter(|&&(_, b)| b <= e)
            .count();
        if n >= 2 && COVERAGE_SENTENCE.is_match(&text[s..e]) {
            return Some((s, e));
        }
    }
    None
}

static COVERAGE_SENTENCE: LazyLock<Rx> = LazyLock::new(|| {
    crate::rules::matcher::fixed_ci(r"(?s)\b(?:statement|report)\b.{0,80}\b(?:on behalf of|covers|applies to|is made by|is made for|relates to|sets out the steps taken by)\b")
    .unwrap_or_else(|_| Rx::never())
});

/// Sentence spans: split at ". " / blank lines; bounded length.
fn sentences(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let end_here = (bytes[i] == b'.'
                && bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace())
                && !ends_with_abbrev(&text[start..i]))
                || (bytes[i] == b'\n' && bytes.get(i + 1) == Some(&b'\n'))
                || i - start > 1200;
            i += 1;
            if end_here && text.is_char_boundary(i) {
                let s = start;
                start = i;
                return Some((s, i));
            }
        }
        if start < bytes.len() {
            let s = start;
            start = bytes.len();
            return Some((s, bytes.len()));
        }
        None
    })
}

fn ends_with_abbrev(s: &str) -> bool {
    let last = s
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    matches!(
        last.to_ascii_lowercase().as_str(),
        "ltd"
            | "inc"
            | "co"
            | "corp"
            | "no"
            | "plc"
            | "s"
            | "a"
            | "b"
            | "v"
            | "n"
            | "e"
            | "i"
            | "r"
            | "l"
            | "p"
            | "st"
            | "mr"
            | "mrs"
            | "ms"
            | "dr"
    )
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------
// Members

#[derive(Debug, Clone, Copy)]
struct Pattern {
    member: usize,
    /// Matched without the member's legal form (or the member has none):
    /// stricter boundaries apply.
    bare: bool,
    /// A legal form may follow (the member was given without one).
    form_after_ok: bool,
    /// The member's name has commas, so the text's may too.
    commas: bool,
}

/// A trie over canonical tokens.
#[derive(Default)]
struct Trie {
    children: Vec<HashMap<String, usize>>,
    ends: Vec<Vec<Pattern>>,
}

impl Trie {
    fn new() -> Trie {
        Trie {
            children: vec![HashMap::new()],
            ends: vec![Vec::new()],
        }
    }
    fn insert(&mut self, toks: &[String], p: Pattern) {
        let mut node = 0;
        for t in toks {
            node = match self.children[node].get(t) {
                Some(&n) => n,
                None => {
                    let n = self.children.len();
                    self.children.push(HashMap::new());
                    self.ends.push(Vec::new());
                    self.children[node].insert(t.clone(), n);
                    n
                }
            };
        }
        self.ends[node].push(p);
    }
}

/// Generic words that cannot name a member on their own ("Services").
fn too_generic(core: &[String]) -> bool {
    core.iter()
        .all(|t| CONNECTORS.contains(&t.as_str()) || NOT_NAME_WORDS.contains(&t.as_str()))
        || (core.len() == 1 && core[0].chars().count() < 3)
}

fn member_coverage(
    doc: &Document,
    toks: &[Tok<'_>],
    members: &[Member],
    entities: &[Entity],
) -> Vec<MemberCoverage> {
    let trie = member_trie(members, entities);
    let mut found = names_found(doc, toks, &trie, members.len());
    numbers_found(doc, toks, members, &mut found);
    members
        .iter()
        .zip(found)
        .map(|(m, evidence)| MemberCoverage {
            name: m.name.clone(),
            named: !evidence.is_empty(),
            evidence,
        })
        .collect()
}

/// Every member's names as token paths: the full name, and the name
/// without its legal form where nothing else in the text goes by it.
fn member_trie(members: &[Member], entities: &[Entity]) -> Trie {
    let ext = entity_prefixes(entities);
    let mut trie = Trie::new();
    for (i, m) in members.iter().enumerate() {
        for alias in member_names(&m.name) {
            let full = member_tokens(alias);
            if full.is_empty() {
                continue;
            }
            let mut core_len = full.len();
            while core_len > 0 && is_legal_form(&full[core_len - 1]) {
                core_len -= 1;
            }
            let core = &full[..core_len];
            let form = (core_len < full.len()).then(|| full[core_len..].join(" "));
            let commas = alias.contains(',');
            if form.is_some() {
                trie.insert(
                    &full,
                    Pattern {
                        member: i,
                        bare: false,
                        form_after_ok: false,
                        commas,
                    },
                );
            }
            if core.is_empty() || too_generic(core) {
                continue;
            }
            // The name without its legal form, unless the text uses it as the
            // short name of another entity ("Serco" of "Serco Group plc"
            // does not name "Serco plc"; "Acme" of "Acme Ltd" does not name
            // "Acme plc").
            if let Some(e) = ext.get(core)
                && (e.longer
                    || form.as_ref().is_some_and(|f| {
                        e.forms.iter().any(|g| g.as_ref().is_some_and(|g| g != f))
                    }))
            {
                continue;
            }
            trie.insert(
                core,
                Pattern {
                    member: i,
                    bare: true,
                    // "Eastmere Homes" (no legal form given) is named by "Eastmere Homes Ltd".
                    form_after_ok: form.is_none(),
                    commas,
                },
            );
        }
    }
    trie
}

/// Evidence of each member named in the text (at most
/// `MAX_MEMBER_EVIDENCE` each): every run of tokens that walks the trie to
/// a member's name.
fn names_found(
    doc: &Document,
    toks: &[Tok<'_>],
    trie: &Trie,
    members: usize,
) -> Vec<Vec<Evidence>> {
    let text = doc.text.as_str();
    let mut found: Vec<Vec<Evidence>> = vec![Vec::new(); members];
    for i in 0..toks.len() {
        if !left_boundary_ok(toks, i) {
            continue;
        }
        // "Chancellor, Masters, and Scholars": a comma-separated name's tail
        // is not the name.
        let left_comma_block = i > 0 && toks[i].sep == Sep::Comma && {
            let prev = &toks[i - 1];
            prev.cap && !is_legal_form(&prev.norm) && !NOT_NAME_WORDS.contains(&prev.norm.as_ref())
        };
        let mut node = 0;
        let mut crossed_comma = false;
        for j in i..toks.len() {
            if j > i {
                if !inside_name_gap(toks, text, j, true) {
                    break;
                }
                // "Tallis Labs, Inc." is "Tallis Labs Inc".
                crossed_comma |= toks[j].sep == Sep::Comma && !is_legal_form(&toks[j].norm);
            }
            match trie.children[node].get(toks[j].norm.as_ref()) {
                Some(&n) => node = n,
                None => break,
            }
            for p in &trie.ends[node] {
                let ev = &mut found[p.member];
                if ev.len() >= MAX_MEMBER_EVIDENCE
                    || (crossed_comma && !p.commas)
                    || (left_comma_block && p.commas)
                {
                    continue;
                }
                if p.bare && !bare_match_ok(toks, i, j, p.form_after_ok) {
                    continue;
                }
                ev.push(doc.evidence(toks[i].start, toks[j].end));
            }
        }
    }
    found
}

/// Company numbers ("Registered in England, company number 01234567")
/// name the members not found by name.
fn numbers_found(
    doc: &Document,
    toks: &[Tok<'_>],
    members: &[Member],
    found: &mut [Vec<Evidence>],
) {
    for (m, ev) in members.iter().zip(found.iter_mut()) {
        if !ev.is_empty() {
            continue;
        }
        let Some(num) = m.company_number.as_deref().map(company_number_key) else {
            continue;
        };
        if num.len() < 5 {
            continue;
        }
        if let Some(t) = toks.iter().find(|t| company_number_key(&t.norm) == num) {
            ev.push(doc.evidence(t.start, t.end));
        }
    }
}

/// For every prefix of an entity name's core: whether a longer entity name
/// starts with it, and the legal forms of the entities with exactly that core.
#[derive(Default)]
struct Ext {
    longer: bool,
    forms: HashSet<Option<String>>,
}

fn entity_prefixes(entities: &[Entity]) -> HashMap<Vec<String>, Ext> {
    let mut map: HashMap<Vec<String>, Ext> = HashMap::new();
    for e in entities {
        let full = member_tokens(&e.name);
        let mut core_len = full.len();
        while core_len > 0 && is_legal_form(&full[core_len - 1]) {
            core_len -= 1;
        }
        let form = (core_len < full.len()).then(|| full[core_len..].join(" "));
        for l in 1..=core_len {
            let entry = map.entry(full[..l].to_vec()).or_default();
            if l < core_len {
                entry.longer = true;
            } else {
                entry.forms.insert(form.clone());
            }
        }
    }
    map
}

/// What separates a member's names: " t/a ", " (trading as ", ";".
static TRADING_AS: LazyLock<Option<Rx>> =
    LazyLock::new(|| crate::rules::matcher::fixed_ci(r"\s+\(?(?:t/a|trading as)\s+|\s*;\s*").ok());

/// The names a member goes by: "Pixel and Pine Restaurants Ltd t/a Pixel &
/// Pine" (or "trading as") gives the legal name and each trading name
/// (several separated by `;`).
pub fn member_names(name: &str) -> Vec<&str> {
    match TRADING_AS.as_ref() {
        Some(re) => re
            .split(name)
            .map(|s| s.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')'))
            .filter(|s| !s.is_empty())
            .collect(),
        None => vec![name],
    }
}

/// A company number compared without case or leading zeros.
fn company_number_key(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if s.chars().all(|c| c.is_ascii_digit()) {
        s.trim_start_matches('0').to_string()
    } else {
        s
    }
}

/// A name does not start in the middle of another capitalised name.
fn left_boundary_ok(toks: &[Tok<'_>], i: usize) -> bool {
    if i == 0 || toks[i].sep != Sep::Space {
        return true;
    }
    let prev = &toks[i - 1];
    !prev.cap
        || is_legal_form(&prev.norm)
        || NOT_NAME_WORDS.contains(&prev.norm.as_ref())
        || prev.norm.chars().all(|c| c.is_ascii_digit())
}

/// A name written without its legal form counts only when it is written as a
/// name (capitalised words) and is not followed by more of a name or by
/// another legal form ("Acme Foods plc" is not "Acme Foods Ltd").
fn bare_match_ok(toks: &[Tok<'_>], i: usize, j: usize, form_after_ok: bool) -> bool {
    let capitalised = toks[i..=j]
        .iter()
        .all(|t| t.cap || CONNECTORS.contains(&t.norm.as_ref()));
    if !capitalised {
        return false;
    }
    let Some(next) = toks.get(j + 1) else {
        return true;
    };
    let form_next = is_legal_form(&next.norm);
    match next.sep {
        // Any capitalised word after it continues the name ("Acme Foods
        // Group"); a legal form makes it another company unless the member
        // was given without one.
        Sep::Space => {
            if form_next {
                form_after_ok
            } else {
                !next.cap
            }
        }
        // "Acme Foods (UK) Ltd" is another company; "Acme Foods (which …)" is not.
        Sep::Bracket => !(next.cap || form_next && !form_after_ok),
        Sep::Comma | Sep::Dot => !form_next || form_after_ok,
        Sep::Other => true,
    }
}

#[cfg(test)]
mod tests;
