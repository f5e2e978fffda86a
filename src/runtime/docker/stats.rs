//! Docker's stats payload → `Usage`, computed exactly as the docker CLI computes it
//! (`cli/command/container/stats_helpers.go`), so both tools agree. cgroup v1 and v2
//! engines fill different fields.

use crate::runtime::usage::{percent, Usage};
use bollard::models::{ContainerCpuStats, ContainerStatsResponse};

pub(super) fn sample_from(stats: &ContainerStatsResponse) -> Sample {
    let cpu = |c: &Option<ContainerCpuStats>| {
        let c = c.as_ref();
        (
            c.and_then(|c| c.cpu_usage.as_ref())
                .and_then(|u| u.total_usage)
                .unwrap_or(0),
            c.and_then(|c| c.system_cpu_usage).unwrap_or(0),
        )
    };
    let (cpu_total, system) = cpu(&stats.cpu_stats);
    let (precpu_total, presystem) = cpu(&stats.precpu_stats);
    // Engines before online_cpus existed only list per-CPU usage; docker counts that list.
    let online_cpus = stats
        .cpu_stats
        .as_ref()
        .and_then(|c| {
            c.online_cpus.filter(|n| *n > 0).or_else(|| {
                c.cpu_usage
                    .as_ref()
                    .and_then(|u| u.percpu_usage.as_ref())
                    .map(|p| p.len() as u32)
            })
        })
        .unwrap_or(0);
    let memory = stats.memory_stats.as_ref();
    let mem_stat = |key: &str| {
        memory
            .and_then(|m| m.stats.as_ref())
            .and_then(|s| s.get(key).copied())
    };
    let (net_rx, net_tx) = stats
        .networks
        .iter()
        .flatten()
        .fold((0, 0), |(rx, tx), (_, n)| {
            (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
        });
    // cgroup v1 names the ops "Read"/"Write", cgroup v2 "read"/"write".
    let (blk_read, blk_write) = stats
        .blkio_stats
        .as_ref()
        .and_then(|b| b.io_service_bytes_recursive.as_ref())
        .into_iter()
        .flatten()
        .fold((0, 0), |(read, write), entry| {
            let value = entry.value.unwrap_or(0);
            match entry.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("read") => (read + value, write),
                Some("write") => (read, write + value),
                _ => (read, write),
            }
        });
    Sample {
        cpu_total,
        precpu_total,
        system,
        presystem,
        online_cpus,
        mem_usage: memory.and_then(|m| m.usage).unwrap_or(0),
        mem_v1_inactive_file: mem_stat("total_inactive_file"),
        mem_inactive_file: mem_stat("inactive_file"),
        mem_limit: memory.and_then(|m| m.limit).unwrap_or(0),
        net_rx,
        net_tx,
        blk_read,
        blk_write,
        pids: stats
            .pids_stats
            .as_ref()
            .and_then(|p| p.current)
            .unwrap_or(0),
    }
}

/// One stats reading of a container: Docker's raw counters, before any arithmetic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Sample {
    /// Nanoseconds of CPU the container used, now and at the engine's previous reading.
    pub cpu_total: u64,
    pub precpu_total: u64,
    /// Nanoseconds of CPU the whole host used, now and at the previous reading (0 when the
    /// engine had no previous reading yet: the first sample of a stream).
    pub system: u64,
    pub presystem: u64,
    pub online_cpus: u32,
    pub mem_usage: u64,
    /// Inactive page cache as a cgroup v1 engine reports it (`total_inactive_file`).
    pub mem_v1_inactive_file: Option<u64>,
    /// Inactive page cache as a cgroup v2 engine reports it (`inactive_file`).
    pub mem_inactive_file: Option<u64>,
    pub mem_limit: u64,
    /// Summed over the container's interfaces.
    pub net_rx: u64,
    pub net_tx: u64,
    /// Summed over devices.
    pub blk_read: u64,
    pub blk_write: u64,
    pub pids: u64,
}

/// Whether the sample carries the engine's previous reading. The first sample of a stream
/// does not (API 1.41), and a CPU % from it would be a made-up 0.
pub(super) fn has_cpu_baseline(sample: &Sample) -> bool {
    sample.presystem > 0
}

/// What the sample says, as ark shows it.
pub(super) fn usage_of(sample: &Sample) -> Usage {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> Sample {
        sample_from(&serde_json::from_str(text).expect("fixture parses as bollard's type"))
    }

    /// A payload captured from this Docker 20.10 engine (cgroup v1, `-m 64m`, busy loop).
    #[test]
    fn a_cgroup_v1_payload() {
        let sample = fixture(include_str!("../../../tests/fixtures/stats/cgroup-v1.json"));
        assert_eq!(sample.online_cpus, 2);
        assert_eq!(sample.mem_v1_inactive_file, Some(10_117_120));
        assert_eq!(sample.mem_limit, 67_108_864);
        assert_eq!((sample.net_rx, sample.net_tx), (736, 0));
        assert_eq!((sample.blk_read, sample.blk_write, sample.pids), (0, 0, 1));
        let usage = usage_of(&sample);
        // Δcpu 126049656 / Δsystem 2660000000 × 2 CPUs × 100.
        assert!((usage.cpu_percent - 9.477_417_7).abs() < 1e-4, "{usage:?}");
        assert_eq!(usage.mem_bytes, 10_485_760 - 10_117_120);
    }

    /// The shape a cgroup v2 engine sends (moby's `container.StatsResponse`): no `total_*`
    /// memory keys, lower-case blkio ops, no per-CPU list.
    #[test]
    fn a_cgroup_v2_payload() {
        let sample = fixture(include_str!("../../../tests/fixtures/stats/cgroup-v2.json"));
        assert_eq!(sample.online_cpus, 4);
        assert_eq!(sample.mem_v1_inactive_file, None);
        assert_eq!(sample.mem_inactive_file, Some(6_430_720));
        assert_eq!((sample.net_rx, sample.net_tx), (16_234, 10_841));
        assert_eq!(
            (sample.blk_read, sample.blk_write),
            (4_096_000 + 4096, 1_048_576 + 8192)
        );
        assert_eq!(sample.pids, 5);
        let usage = usage_of(&sample);
        // Δcpu 400000000 / Δsystem 4000000000 × 4 CPUs × 100.
        assert!((usage.cpu_percent - 40.0).abs() < 1e-9, "{usage:?}");
        assert_eq!(usage.mem_bytes, 41_156_608 - 6_430_720);
        assert_eq!(usage.mem_limit_bytes, 268_435_456);
    }

    #[test]
    fn an_empty_payload_is_all_zero() {
        assert_eq!(fixture("{}"), Sample::default());
    }

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
            let got = usage_of(&sample(cpu, system, cpus)).cpu_percent;
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
            let got = usage_of(&s);
            assert_eq!(got.mem_bytes, expected, "{usage} {v1:?} {v2:?}");
            assert!((got.mem_percent - expected as f64 / 40.0).abs() < 1e-9);
        }
        assert_eq!(usage_of(&Sample::default()).mem_percent, 0.0);
    }
}
