//! Docker's stats payload → `Sample`: only picking counters out, so the arithmetic stays
//! engine-neutral in `ui::usage`. cgroup v1 and v2 engines fill different fields.

use crate::runtime::api::Sample;
use bollard::models::{ContainerCpuStats, ContainerStatsResponse};

pub fn sample_from(stats: &ContainerStatsResponse) -> Sample {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::usage::Usage;

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
        let usage = Usage::of(&sample);
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
        let usage = Usage::of(&sample);
        // Δcpu 400000000 / Δsystem 4000000000 × 4 CPUs × 100.
        assert!((usage.cpu_percent - 40.0).abs() < 1e-9, "{usage:?}");
        assert_eq!(usage.mem_bytes, 41_156_608 - 6_430_720);
        assert_eq!(usage.mem_limit_bytes, 268_435_456);
    }

    #[test]
    fn an_empty_payload_is_all_zero() {
        assert_eq!(fixture("{}"), Sample::default());
    }
}
