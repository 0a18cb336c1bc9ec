//! The progress display: an indicatif spinner on stderr with files, bytes,
//! findings and rate, refreshed from the workers' atomic counters a few
//! times a second by its own thread. Shown only when stderr is a terminal
//! and neither `--quiet` nor `--no-progress` is given.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::human::{bytes, thousands};
use crate::scan::Counters;

/// A running progress display; stops and clears itself on `finish`.
pub struct Progress {
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts a display if `show`; otherwise a no-op.
    pub fn start(show: bool, counters: Arc<Counters>) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if !show {
            return Progress { done, handle: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let d = done.clone();
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            while !d.load(Ordering::Relaxed) {
                let b = counters.bytes.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{} files  {}  {} findings  {} skipped  {}/s",
                    thousands(counters.files.load(Ordering::Relaxed)),
                    bytes(b),
                    thousands(counters.findings.load(Ordering::Relaxed)),
                    thousands(counters.skipped.load(Ordering::Relaxed)),
                    bytes((b as f64 / secs) as u64),
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(150));
            }
            bar.finish_and_clear();
        });
        Progress {
            done,
            handle: Some(handle),
        }
    }

    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}
