//! The `pan-scan` binary: everything lives in the library; see `cli.rs`.

fn main() {
    std::process::exit(pan_scan::cli::main_exit());
}
