//! An instance's resource usage, as every backend hands it up: already computed (CPU %,
//! memory without page cache), so `ui/` only formats it.

/// One instance's usage at one reading, or an environment's total.
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

impl Usage {
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

pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
