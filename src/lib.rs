//! # s54 — the open compliance checker and public registry for UK modern
//! slavery statements (Modern Slavery Act 2015, s.54).
//!
//! Data flows one way: **extract → score → store → crawl / serve**.
//!
//! - [`domain`]: plain types (Document, Evidence, Finding, Assessment).
//! - [`extract`]: bytes → [`domain::Document`] (PDF, HTML, DOCX, text).
//! - [`rules`]: `rules/*.toml` → a compiled [`rules::Rulebook`].
//! - [`score`]: Document + Rulebook → [`domain::Assessment`] (the `s54.check/1` JSON).
//! - [`report`]: Assessment → text / JSON / HTML.
//! - [`check`]: the one call that does extract + score.
//! - [`accounts`]: Companies House accounts (iXBRL) → turnover and scope.
//! - [`store`]: the registry database (SQLite or PostgreSQL).
//! - [`registry`]: reporting years, deadlines and per-year status.
//! - [`crawl`]: polite fetching, discovery and the crawl queue.
//! - [`web`]: the dashboard, self-check and JSON API.
//! - [`cli`]: the `s54` commands.

pub mod accounts;
pub mod check;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod domain;
pub mod eval;
pub mod extract;
pub mod registry;
pub mod report;
pub mod rules;
pub mod score;
pub mod store;
pub mod web;
