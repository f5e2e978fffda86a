//! Byte counts for people, in the units the docker CLI uses.

/// Memory as docker shows it: binary units (`12.5MiB`).
pub fn binary_bytes(bytes: u64) -> String {
    scaled(bytes, 1024.0, &["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
}

/// Traffic as docker shows it: decimal units (`1.2MB`).
pub fn decimal_bytes(bytes: u64) -> String {
    scaled(bytes, 1000.0, &["B", "kB", "MB", "GB", "TB", "PB"])
}

fn scaled(bytes: u64, base: f64, units: &[&str]) -> String {
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= base && unit + 1 < units.len() {
        value /= base;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes}B")
    } else {
        // Three significant digits, like docker's `units` package.
        let precision = if value < 10.0 {
            2
        } else if value < 100.0 {
            1
        } else {
            0
        };
        format!("{value:.precision$}{}", units[unit])
    }
}
