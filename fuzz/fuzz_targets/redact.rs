//! Arbitrary strings through the redaction engine with the whole catalogue.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<sluice_redact::Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let engine =
        ENGINE.get_or_init(|| sluice_redact::Engine::all().expect("the default catalogue builds"));
    // Lossy decoding keeps invalid bytes in play as U+FFFD next to real text.
    let text = String::from_utf8_lossy(data);
    sluice_fuzz::check_detections(engine, &text);
});
