use similar::DiffableStr;
use std::collections::HashMap;
use std::time::Instant;
fn main() {
    let words = [
        "the", "council", "fixes", "repairs", "potholes", "roads", "quickly", "and", "a", "of",
        "café", "ŵyr", "🎉", "don't",
    ];
    let mut s = String::new();
    let mut x = 12345u64;
    while s.len() < 1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(words[(x % 14) as usize]);
        s.push(if x % 9 == 0 { '.' } else { ' ' });
    }
    let t = Instant::now();
    let toks = s.tokenize_unicode_words();
    println!("segment: {:?} {} tokens", t.elapsed(), toks.len());
    let t = Instant::now();
    let toks2 = s.tokenize_words();
    println!("tokenize_words: {:?} {} tokens", t.elapsed(), toks2.len());
    let t = Instant::now();
    let mut bag: HashMap<&str, u32> = HashMap::new();
    for t in &toks {
        *bag.entry(t).or_insert(0) += 1;
    }
    println!("bag: {:?}", t.elapsed());
    let t = Instant::now();
    let n = s.split_whitespace().count();
    println!("split_ws: {:?} {n}", t.elapsed());
    let keys: Vec<&str> = toks
        .iter()
        .map(|t| if t.trim().is_empty() { " " } else { t })
        .collect();
    let mut keys2 = keys.clone();
    keys2[5000] = "zzz";
    keys2[400000] = "yyy";
    let t = Instant::now();
    let ops = similar::capture_diff_slices(similar::Algorithm::Patience, &keys, &keys2);
    println!("patience 2 changes: {:?} {}", t.elapsed(), ops.len());
    let t = Instant::now();
    let ops =
        similar::capture_diff_slices(similar::Algorithm::Myers, &keys[..2000], &keys[2000..4000]);
    println!("myers 2000 unrelated: {:?} {}", t.elapsed(), ops.len());
}
