//! `s54 rescore`: the current rules over every stored version, in batches,
//! scoring on every core. The assessment is derived data: it (and the year,
//! status and score derived from it) is replaced in place; versions are
//! never duplicated and their text, bytes and dates never change.

use crate::domain::{Assessment, Block, BlockKind, Document};
use crate::rules::Rulebook;
use crate::score::{self, CheckOptions};
use crate::store::{RescoreItem, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Versions read, scored and written per round.
const BATCH: u32 = 2_000;

/// Paragraph blocks for a text stored without its blocks.
fn paragraphs(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut start = 0;
    for part in text.split("\n\n") {
        let end = start + part.len();
        if !part.trim().is_empty() {
            blocks.push(Block {
                kind: BlockKind::Paragraph,
                start,
                end,
            });
        }
        start = end + 2;
    }
    blocks
}

/// Blocks only if they all fit the text (a stored block list from another
/// text version is never trusted blindly).
fn usable_blocks(item: &RescoreItem) -> Vec<Block> {
    let ok = !item.blocks.is_empty()
        && item.blocks.iter().all(|b| {
            b.start <= b.end
                && b.end <= item.text.len()
                && item.text.is_char_boundary(b.start)
                && item.text.is_char_boundary(b.end)
        });
    if ok {
        item.blocks.clone()
    } else {
        paragraphs(&item.text)
    }
}

/// Scores one stored version with `rules`.
pub fn score_item(item: &RescoreItem, rules: &Rulebook) -> Assessment {
    let doc = Document {
        source: item.source.clone(),
        blocks: usable_blocks(item),
        text: item.text.clone(),
        links: Vec::new(),
        pages: None,
        notes: item.notes.clone(),
        ocr: None,
    };
    let opts = CheckOptions {
        entity: item.org_type.map(|t| t.entity_type()),
        // Lateness is judged from a date the publisher gave, never from the
        // day s54 first saw the statement; that day is only "now" for it.
        published: item.published,
        today: Some(item.first_seen.date_naive()),
        ..Default::default()
    };
    let mut a = score::assess(&doc, &opts, rules);
    score::officers::apply(&mut a, &item.officers, item.first_seen.date_naive());
    a
}

/// Scores a batch on `threads` threads (order kept). Threads take the next
/// item as they finish one, so a few long statements do not leave a core idle.
fn score_batch(items: &[RescoreItem], rules: &Rulebook, threads: usize) -> Vec<(i64, Assessment)> {
    let next = AtomicUsize::new(0);
    let mut scored: Vec<(usize, i64, Assessment)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, item.id, score_item(item, rules)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    scored.sort_unstable_by_key(|(i, _, _)| *i);
    scored.into_iter().map(|(_, id, a)| (id, a)).collect()
}

/// Re-scores the stored versions of one organisation (after its officers
/// changed). Returns how many were re-scored.
pub async fn rescore_organisation(
    store: &Store,
    rules: &Rulebook,
    organisation_id: i64,
) -> Result<u64, StoreError> {
    let mut after = 0;
    let mut done = 0u64;
    loop {
        let items = store
            .versions_for_rescore_of(Some(organisation_id), after, BATCH)
            .await?;
        let Some(last) = items.last() else {
            return Ok(done);
        };
        after = last.id;
        let scored: Vec<(i64, Assessment)> =
            items.iter().map(|i| (i.id, score_item(i, rules))).collect();
        store.update_assessments(&scored).await?;
        done += scored.len() as u64;
    }
}

/// Re-scores every stored version. `on_batch` is told the running count
/// (for progress). Returns how many versions were re-scored.
pub async fn rescore_all(
    store: &Store,
    rules: Arc<Rulebook>,
    threads: usize,
    mut on_batch: impl FnMut(u64),
) -> Result<u64, StoreError> {
    let mut after = 0;
    let mut done = 0u64;
    let mut next = store.versions_for_rescore(after, BATCH).await?;
    // Three stages overlap: while one batch is scored on the CPU threads,
    // the previous one is written and the next one read.
    let mut scored: Vec<(i64, Assessment)> = Vec::new();
    while !next.is_empty() {
        let items = next;
        after = items.last().map(|i| i.id).unwrap_or(after);
        let rules2 = Arc::clone(&rules);
        let scoring = tokio::task::spawn_blocking(move || score_batch(&items, &rules2, threads));
        if !scored.is_empty() {
            store.update_assessments(&scored).await?;
            done += scored.len() as u64;
            on_batch(done);
        }
        next = store.versions_for_rescore(after, BATCH).await?;
        scored = scoring
            .await
            .map_err(|e| StoreError::Invalid(format!("scoring thread failed: {e}")))?;
    }
    if !scored.is_empty() {
        store.update_assessments(&scored).await?;
        done += scored.len() as u64;
        on_batch(done);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_point_into_the_text() {
        let t = "One.\n\nTwo é.\n\n\n\nThree";
        for b in paragraphs(t) {
            assert!(!t[b.start..b.end].trim().is_empty());
        }
        assert_eq!(paragraphs(t).len(), 3);
    }
}
