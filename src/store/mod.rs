//! (being built: see the issues)
