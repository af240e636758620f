//! Benchmarks of advanced search (filled in with the search module).
fn main() {}
