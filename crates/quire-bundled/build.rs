//! Rebuild when the bundled text changes (`include_dir!` alone does not tell cargo).
fn main() {
    println!("cargo:rerun-if-changed=../../resource");
    println!("cargo:rerun-if-changed=../../proposals");
}
