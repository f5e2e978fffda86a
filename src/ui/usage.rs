//! What `docker stats` shows, computed from a `Sample`'s raw counters exactly as the docker
//! CLI computes it (`cli/command/container/stats_helpers.go`), so both tools agree; and the
//! environment's total row.

use crate::runtime::api::Sample;

/// One container's usage at one sample, or an environment's total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub cpu_percent: f64,
    pub mem_bytes: u64,
    pub mem_limit_bytes: u64,
    pub mem_percent: f64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub block_read_bytes: u64,
    pub block_write_bytes: u64,
    pub pids: u64,
}

/// Whether the sample carries the engine's previous reading. The first sample of a stream
/// does not (API 1.41), and a CPU % from it would be a made-up 0.
pub fn has_cpu_baseline(sample: &Sample) -> bool {
    sample.presystem > 0
}

impl Usage {
    pub fn of(sample: &Sample) -> Usage {
        let mem_bytes = mem_without_cache(sample);
        Usage {
            cpu_percent: cpu_percent(sample),
            mem_bytes,
            mem_limit_bytes: sample.mem_limit,
            mem_percent: percent(mem_bytes, sample.mem_limit),
            net_rx_bytes: sample.net_rx,
            net_tx_bytes: sample.net_tx,
            block_read_bytes: sample.blk_read,
            block_write_bytes: sample.blk_write,
            pids: sample.pids,
        }
    }

    /// Every column summed; memory % recomputed from the sums (a mean of percentages would
    /// weigh a 64 MB app like a 4 GB one).
    pub fn total<'a>(rows: impl IntoIterator<Item = &'a Usage>) -> Usage {
        let mut total = rows.into_iter().fold(Usage::default(), |t, u| Usage {
            cpu_percent: t.cpu_percent + u.cpu_percent,
            mem_bytes: t.mem_bytes + u.mem_bytes,
            mem_limit_bytes: t.mem_limit_bytes + u.mem_limit_bytes,
            mem_percent: 0.0,
            net_rx_bytes: t.net_rx_bytes + u.net_rx_bytes,
            net_tx_bytes: t.net_tx_bytes + u.net_tx_bytes,
            block_read_bytes: t.block_read_bytes + u.block_read_bytes,
            block_write_bytes: t.block_write_bytes + u.block_write_bytes,
            pids: t.pids + u.pids,
        });
        total.mem_percent = percent(total.mem_bytes, total.mem_limit_bytes);
        total
    }
}

/// Δcontainer CPU / Δhost CPU × CPUs × 100; 0 unless both moved forward.
fn cpu_percent(sample: &Sample) -> f64 {
    let cpu_delta = sample.cpu_total as f64 - sample.precpu_total as f64;
    let system_delta = sample.system as f64 - sample.presystem as f64;
    if has_cpu_baseline(sample) && cpu_delta > 0.0 && system_delta > 0.0 {
        cpu_delta / system_delta * f64::from(sample.online_cpus) * 100.0
    } else {
        0.0
    }
}

/// Usage minus inactive page cache: `total_inactive_file` on cgroup v1 when it is below
/// usage, else `inactive_file` (cgroup v2) when below usage, else usage — the docker CLI's
/// `calculateMemUsageUnixNoCache`, so page cache a container could drop does not count.
fn mem_without_cache(sample: &Sample) -> u64 {
    let usage = sample.mem_usage;
    match (sample.mem_v1_inactive_file, sample.mem_inactive_file) {
        (Some(v1), _) if v1 < usage => usage - v1,
        (_, v2) if v2.unwrap_or(0) < usage => usage - v2.unwrap_or(0),
        _ => usage,
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu: (u64, u64), system: (u64, u64), cpus: u32) -> Sample {
        Sample {
            precpu_total: cpu.0,
            cpu_total: cpu.1,
            presystem: system.0,
            system: system.1,
            online_cpus: cpus,
            ..Sample::default()
        }
    }

    #[test]
    fn cpu_percent_follows_dockers_formula() {
        // (cpu before, after), (system before, after), CPUs → %
        let cases = [
            ((0, 50), (1000, 2000), 2, 10.0),
            ((100, 600), (1000, 2000), 1, 50.0),
            ((100, 600), (1000, 2000), 4, 200.0),
            // The first sample of a stream: no previous reading, no CPU % yet.
            ((0, 600), (0, 2000), 2, 0.0),
            // Counters that did not move, or went backwards (a restart): 0, never negative.
            ((600, 600), (1000, 2000), 2, 0.0),
            ((900, 600), (1000, 2000), 2, 0.0),
            ((100, 600), (2000, 2000), 2, 0.0),
        ];
        for (cpu, system, cpus, expected) in cases {
            let got = Usage::of(&sample(cpu, system, cpus)).cpu_percent;
            assert!(
                (got - expected).abs() < 1e-9,
                "{cpu:?} {system:?} {cpus}: {got}"
            );
        }
    }

    #[test]
    fn memory_leaves_out_inactive_page_cache_as_docker_does() {
        // usage, v1 total_inactive_file, inactive_file → used
        let cases = [
            (1000, Some(300), Some(200), 700),  // cgroup v1
            (1000, Some(1200), Some(200), 800), // v1 key too big: docker falls back to v2's
            (1000, None, Some(400), 600),       // cgroup v2
            (1000, None, Some(1000), 1000),     // not below usage: usage
            (1000, None, None, 1000),           // nothing reported
            (0, None, None, 0),
        ];
        for (usage, v1, v2, expected) in cases {
            let s = Sample {
                mem_usage: usage,
                mem_v1_inactive_file: v1,
                mem_inactive_file: v2,
                mem_limit: 4000,
                ..Sample::default()
            };
            let got = Usage::of(&s);
            assert_eq!(got.mem_bytes, expected, "{usage} {v1:?} {v2:?}");
            assert!((got.mem_percent - expected as f64 / 40.0).abs() < 1e-9);
        }
        assert_eq!(Usage::of(&Sample::default()).mem_percent, 0.0);
    }

    #[test]
    fn the_total_sums_every_column_and_recomputes_memory_percent() {
        let a = Usage {
            cpu_percent: 12.5,
            mem_bytes: 10,
            mem_limit_bytes: 100,
            mem_percent: 10.0,
            net_rx_bytes: 1,
            net_tx_bytes: 2,
            block_read_bytes: 3,
            block_write_bytes: 4,
            pids: 5,
        };
        let b = Usage {
            cpu_percent: 100.0,
            mem_bytes: 290,
            mem_limit_bytes: 900,
            mem_percent: 32.2,
            net_rx_bytes: 10,
            net_tx_bytes: 20,
            block_read_bytes: 30,
            block_write_bytes: 40,
            pids: 50,
        };
        let total = Usage::total([&a, &b]);
        assert_eq!(
            total,
            Usage {
                cpu_percent: 112.5,
                mem_bytes: 300,
                mem_limit_bytes: 1000,
                mem_percent: 30.0,
                net_rx_bytes: 11,
                net_tx_bytes: 22,
                block_read_bytes: 33,
                block_write_bytes: 44,
                pids: 55,
            }
        );
        assert_eq!(Usage::total([]), Usage::default());
    }
}
