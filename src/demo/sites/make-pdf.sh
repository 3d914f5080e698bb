#!/usr/bin/env bash
# Rebuilds the demo's PDF-only statement from its LaTeX source (texlive-latex-base).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
pdflatex -interaction=nonstopmode -halt-on-error -output-directory "$tmp" northgate-statement.tex >/dev/null
cp "$tmp/northgate-statement.pdf" northgate-statement.pdf
rm -rf "$tmp"
