//! `s54 eval`: precision, recall and F1 on a labelled corpus (being built).
