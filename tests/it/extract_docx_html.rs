//! Tests for this area (being built).
