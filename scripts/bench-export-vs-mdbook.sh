#!/usr/bin/env bash
# P5: `quire export` (static site) against `mdbook build` of the same Markdown sections.
#
# Both run as whole processes under hyperfine, so start-up, reading the sources, rendering
# and writing the output are counted on both sides. mdbook is a comparison tool only, never
# a dependency of Quire.
#
# Usage: scripts/bench-export-vs-mdbook.sh [extra hyperfine options]
#   KEEP=1   keep the temporary folder (printed at the end)
#   RUNS=N   hyperfine --runs (default: hyperfine's own choice, at least 10)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# --- tools ---------------------------------------------------------------------------
if ! command -v mdbook >/dev/null 2>&1; then
    echo "== installing mdbook (cargo install mdbook --locked)" >&2
    cargo install mdbook --locked
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v hyperfine >/dev/null 2>&1; then
    echo "== installing hyperfine (apt-get)" >&2
    apt-get install -y hyperfine || { apt-get update && apt-get install -y hyperfine; }
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is needed to read hyperfine's JSON" >&2
    exit 1
fi

echo "== building target/release/quire" >&2
cargo build --release -p quire-cli
QUIRE="$ROOT/target/release/quire"

# --- a library and an edition ---------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/quire-p5.XXXXXX")"
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

export QUIRE_REPO="$WORK/library.git"
export QUIRE_AUTHOR="Ada Editor <ada.editor@example.org>"
export NO_COLOR=1
"$QUIRE" init --color never >/dev/null
"$QUIRE" publish p5 --title "Benchmark edition" --notes "For P5." --color never >/dev/null

# --- the same sections as an mdbook -----------------------------------------------------
# The edition's sources, exactly as stored (the markdown export copies them unchanged).
"$QUIRE" export p5 --format markdown --out "$WORK/md" --color never >/dev/null
BOOK="$WORK/book"
mkdir -p "$BOOK/src"
cp "$WORK/md/sections/"*.md "$BOOK/src/"
TITLE="$("$QUIRE" sections --color never | head -n 1)"
cat >"$BOOK/book.toml" <<EOF
[book]
title = "$TITLE"
authors = ["Quire benchmark"]
language = "en"
src = "src"

[build]
build-dir = "out"
create-missing = false
EOF
# SUMMARY.md from `quire sections`: a part title line, then "  <id>  <title>" lines.
{
    echo "# Summary"
    echo
    "$QUIRE" sections --color never | tail -n +3 | while IFS= read -r line; do
        [ -z "$line" ] && continue
        case "$line" in
        "  "*)
            id="$(echo "$line" | awk '{print $1}')"
            title="$(echo "$line" | sed -E 's/^ +[^ ]+ +//')"
            echo "- [$title]($id.md)"
            ;;
        *)
            echo
            echo "# $line"
            echo
            ;;
        esac
    done
} >"$BOOK/src/SUMMARY.md"

CHAPTERS=$(grep -c '^- \[' "$BOOK/src/SUMMARY.md")
SOURCES=$(find "$BOOK/src" -maxdepth 1 -name "*.md" ! -name SUMMARY.md | wc -l)
if [ "$CHAPTERS" != "$SOURCES" ]; then
    echo "SUMMARY.md lists $CHAPTERS chapters but there are $SOURCES sections" >&2
    exit 1
fi

# One build of each, to check both work before timing them.
"$QUIRE" export p5 --out "$WORK/site" --color never >/dev/null
mdbook build "$BOOK" >/dev/null 2>&1
echo "== $CHAPTERS sections; quire site: $(find "$WORK/site" -type f | wc -l) files," \
    "$(du -sk "$WORK/site" | cut -f1) KB; mdbook: $(find "$BOOK/out" -type f | wc -l) files," \
    "$(du -sk "$BOOK/out" | cut -f1) KB" >&2
echo "== quire $("$QUIRE" --version 2>/dev/null || true); $(mdbook --version); $(hyperfine --version)" >&2

# --- the race ----------------------------------------------------------------------------
RUN_OPTS=()
if [ -n "${RUNS:-}" ]; then RUN_OPTS=(--runs "$RUNS"); fi
hyperfine --warmup 3 -N "${RUN_OPTS[@]}" --export-json "$WORK/hyperfine.json" "$@" \
    -n "quire export" "$QUIRE --repo $QUIRE_REPO export p5 --out $WORK/site --color never" \
    -n "mdbook build" "mdbook build $BOOK"

python3 - "$WORK/hyperfine.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
q, m = r["quire export"], r["mdbook build"]
print(f"quire export: median {q['median']*1e3:.1f} ms (mean {q['mean']*1e3:.1f} ± {q['stddev']*1e3:.1f} ms, {len(q['times'])} runs)")
print(f"mdbook build: median {m['median']*1e3:.1f} ms (mean {m['mean']*1e3:.1f} ± {m['stddev']*1e3:.1f} ms, {len(m['times'])} runs)")
ratio = m["median"] / q["median"]
print(f"ratio (mdbook median / quire median): {ratio:.2f}x  (target: >= 2x) -> {'met' if ratio >= 2 else 'NOT met'}")
EOF
