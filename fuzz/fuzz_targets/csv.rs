//! Arbitrary bytes through the CSV reader (and the gzip/zstd sniffing in front of it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sluice_fuzz::check_ingest(data, "fuzz.csv");
});
