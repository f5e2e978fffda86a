//! The `ark` binary: everything lives in the library; see `lib.rs`.

fn main() {
    std::process::exit(ark::main_with_args());
}
