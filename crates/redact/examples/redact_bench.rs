//! Redaction throughput: the full catalogue on generated support-ticket text (English, Chinese
//! and the two mixed; see `common/corpus.rs`), next to a plain single-regex replace over the same
//! text. Run with `cargo run --release -p sluice-redact --example redact_bench [MB]` (single
//! thread). `--per-detector` prints each detector's cost alone (ms per MB); `--profile CORPUS`
//! runs ten detection passes over one corpus and nothing else, to profile under `perf record`.
//!
//! Figures are MB per second of this thread's CPU time (Linux `/proc/thread-self/schedstat`), so
//! they are per core and do not drop when other processes share the machine; where that file is
//! missing the bench falls back to wall time and says so.

use regex::Regex;
use sluice_core::{FieldSpec, FieldType, TargetSchema};
use sluice_redact::{RedactConfig, RedactStage};
use std::time::Instant;

#[path = "common/corpus.rs"]
mod corpus;

/// A clock for the current thread: CPU nanoseconds when the kernel reports them, else wall time.
struct Clock {
    cpu: bool,
    started: Instant,
}

impl Clock {
    fn new() -> Self {
        Clock {
            cpu: thread_cpu_ns().is_some(),
            started: Instant::now(),
        }
    }

    /// Seconds on this clock since an arbitrary origin.
    fn now(&self) -> f64 {
        match thread_cpu_ns().filter(|_| self.cpu) {
            Some(ns) => ns as f64 / 1e9,
            None => self.started.elapsed().as_secs_f64(),
        }
    }

    /// MB/s of `work` over `bytes` bytes: it runs until [`MIN_SECONDS`] have passed on this clock
    /// (the CPU clock ticks in milliseconds, too coarse for one fast pass), and the result of
    /// its first run.
    fn rate<T>(&self, bytes: usize, mut work: impl FnMut() -> T) -> (T, f64) {
        let start = self.now();
        let first = work();
        let mut runs = 1usize;
        while self.now() - start < MIN_SECONDS {
            std::hint::black_box(work());
            runs += 1;
        }
        let seconds = self.now() - start;
        (first, (bytes * runs) as f64 / 1e6 / seconds.max(1e-9))
    }
}

/// Shortest measurement.
const MIN_SECONDS: f64 = 0.5;

/// Nanoseconds this thread has run on a CPU (first field of `schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

fn main() {
    let mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let schema = TargetSchema {
        fields: vec![FieldSpec {
            name: "text".into(),
            source: "text".into(),
            ty: FieldType::String,
            required: false,
        }],
    };
    let Ok(stage) = RedactStage::build(&RedactConfig::default(), &schema) else {
        eprintln!("the default redaction stage does not build");
        std::process::exit(2);
    };
    let Ok(email) = Regex::new(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")
    else {
        eprintln!("baseline regex does not compile");
        std::process::exit(2);
    };
    let clock = Clock::new();
    if let Some(name) = std::env::args().skip_while(|a| a != "--profile").nth(1) {
        profile(&clock, &stage, &name, mb);
        return;
    }
    if std::env::args().any(|a| a == "--per-detector") {
        per_detector(&clock, mb);
        return;
    }
    println!(
        "{} detectors; MB/s per core ({}), single thread",
        stage.engine().codes().len(),
        if clock.cpu {
            "thread CPU time"
        } else {
            "wall time: no /proc/thread-self/schedstat"
        }
    );
    println!(
        "{:<8} {:>7} {:>9} {:>10} {:>10} {:>10}",
        "corpus", "MB", "findings", "detect", "redact", "1-regex"
    );
    for (name, values) in corpus::corpora(mb * 1_000_000 / 4) {
        let bytes: usize = values.iter().map(String::len).sum();
        let (findings, detect) = clock.rate(bytes, || {
            values
                .iter()
                .map(|v| stage.engine().detect(v).len())
                .sum::<usize>()
        });
        let (_, redact) = clock.rate(bytes, || {
            values
                .iter()
                .map(|v| stage.redact_text(v).len())
                .sum::<usize>()
        });
        let (_, single) = clock.rate(bytes, || {
            values
                .iter()
                .map(|v| email.replace_all(v, "<EMAIL>").len())
                .sum::<usize>()
        });
        println!(
            "{name:<8} {:>7.1} {findings:>9} {detect:>10.1} {redact:>10.1} {single:>10.1}",
            bytes as f64 / 1e6,
        );
    }
}

/// The cost of each detector alone (an engine holding only it) next to an engine with none of
/// the catalogue's detectors doing work, in CPU ms per MB: where the catalogue's time goes.
fn per_detector(clock: &Clock, mb: usize) {
    let Ok(all) = sluice_redact::Engine::all() else {
        eprintln!("the catalogue does not build");
        std::process::exit(2);
    };
    let corpora = corpus::corpora(mb * 1_000_000 / 4);
    print!("{:<22}", "ms per MB");
    for (name, _) in &corpora {
        print!(" {name:>8}");
    }
    println!();
    let row = |label: &str, engine: &sluice_redact::Engine| {
        print!("{label:<22}");
        for (_, values) in &corpora {
            let bytes: usize = values.iter().map(String::len).sum();
            let (_, rate) = clock.rate(bytes, || {
                values.iter().map(|v| engine.detect(v).len()).sum::<usize>()
            });
            print!(" {:>8.2}", 1000.0 / rate);
        }
        println!();
    };
    row("all", &all);
    for code in all.codes() {
        if let Ok(engine) = sluice_redact::Engine::new(&[code]) {
            row(code, &engine);
        }
    }
}

/// Detection over one corpus, ten passes and nothing else: a fixed amount of work to profile
/// (`perf record`), and its rate.
fn profile(clock: &Clock, stage: &RedactStage, name: &str, mb: usize) {
    let Some((_, values)) = corpus::corpora(mb * 1_000_000 / 4)
        .into_iter()
        .find(|(corpus, _)| *corpus == name)
    else {
        eprintln!("no corpus named {name}");
        std::process::exit(2);
    };
    let bytes: usize = values.iter().map(String::len).sum();
    let start = clock.now();
    let findings: usize = (0..10)
        .map(|_| {
            values
                .iter()
                .map(|v| stage.engine().detect(v).len())
                .sum::<usize>()
        })
        .sum();
    let seconds = clock.now() - start;
    println!(
        "{findings} findings over ten passes of {name}: {:.1} MB/s",
        (bytes * 10) as f64 / 1e6 / seconds.max(1e-9)
    );
}
