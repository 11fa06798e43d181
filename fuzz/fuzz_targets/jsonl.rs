//! Arbitrary bytes through the JSONL reader (encodings, BOMs, gzip/zstd sniffing included).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sluice_fuzz::check_ingest(data, "fuzz.jsonl");
});
