//! How `ark metrics` shows usage: a table redrawn in place on a terminal, one line per app
//! per sample when piped, NDJSON with `-o json`. The JSON shape is a contract (README).

use super::style::Styles;
use super::table::Table;
use crate::runtime::usage::Usage;
pub use crate::units::{binary_bytes, decimal_bytes};
use serde_json::json;

/// One app's usage at one sample (`app: None` for the environment's total).
#[derive(Debug, Clone)]
pub struct Row {
    pub ts: String,
    pub app: Option<String>,
    pub usage: Usage,
}

/// Plain-text name of the total row; `(` cannot start an app name, so it never clashes.
const TOTAL: &str = "(total)";

/// `{"ts", "app", "cpu_percent", …, "pids"}` on one line; the total adds `"total": true`.
pub fn json_line(row: &Row) -> String {
    let u = &row.usage;
    let mut value = json!({
        "ts": row.ts,
        "app": row.app,
        "cpu_percent": u.cpu_percent,
        "mem_bytes": u.mem_bytes,
        "mem_limit_bytes": u.mem_limit_bytes,
        "mem_percent": u.mem_percent,
        "net_rx_bytes": u.net_rx_bytes,
        "net_tx_bytes": u.net_tx_bytes,
        "block_read_bytes": u.block_read_bytes,
        "block_write_bytes": u.block_write_bytes,
        "pids": u.pids,
    });
    if row.app.is_none() {
        value["total"] = json!(true);
    }
    value.to_string()
}

/// `TS APP cpu=… mem=…/… (…%) net=…/… block=…/… pids=…`: one greppable line.
pub fn text_line(row: &Row) -> String {
    let u = &row.usage;
    format!(
        "{} {} cpu={:.2}% mem={}/{} ({:.2}%) net={}/{} block={}/{} pids={}",
        row.ts,
        row.app.as_deref().unwrap_or(TOTAL),
        u.cpu_percent,
        binary_bytes(u.mem_bytes),
        binary_bytes(u.mem_limit_bytes),
        u.mem_percent,
        decimal_bytes(u.net_rx_bytes),
        decimal_bytes(u.net_tx_bytes),
        decimal_bytes(u.block_read_bytes),
        decimal_bytes(u.block_write_bytes),
        u.pids
    )
}

/// An app whose usage cannot be read from here, as a line of its own (JSON: `{"app": …,
/// "reachable": false, "reason": …}`).
pub fn unreachable_line(app: &str, why: &str, json: bool) -> String {
    if json {
        serde_json::json!({"app": app, "reachable": false, "reason": why}).to_string()
    } else {
        format!("{app} not reachable ({why})")
    }
}

/// The table `docker stats` users expect, apps by name, the total last.
pub fn table(rows: &[Row], total: &Usage, styles: Styles) -> String {
    let mut table = Table::new([
        "APP",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O",
        "BLOCK I/O",
        "PIDS",
    ]);
    let cells = |u: &Usage| {
        [
            format!("{:.2}%", u.cpu_percent),
            format!(
                "{} / {}",
                binary_bytes(u.mem_bytes),
                binary_bytes(u.mem_limit_bytes)
            ),
            format!("{:.2}%", u.mem_percent),
            format!(
                "{} / {}",
                decimal_bytes(u.net_rx_bytes),
                decimal_bytes(u.net_tx_bytes)
            ),
            format!(
                "{} / {}",
                decimal_bytes(u.block_read_bytes),
                decimal_bytes(u.block_write_bytes)
            ),
            u.pids.to_string(),
        ]
    };
    for row in rows {
        let app = row.app.clone().unwrap_or_default();
        let mut line = vec![(app.clone(), styles.app(&app, &app))];
        line.extend(cells(&row.usage).map(|c| (c.clone(), c)));
        table.styled_row(line);
    }
    let mut line = vec![(TOTAL.to_owned(), styles.bold(TOTAL))];
    line.extend(cells(total).map(|c| (c.clone(), styles.bold(&c))));
    table.styled_row(line);
    table.render()
}

/// Redraws a block of lines in place: each frame moves the cursor back over the previous
/// one and clears to the end of the screen, so a shrinking table leaves nothing behind.
#[derive(Debug, Default)]
pub struct Redraw {
    lines: usize,
}

impl Redraw {
    pub fn frame(&mut self, text: &str) -> String {
        let up = if self.lines > 0 {
            format!("\x1b[{}F", self.lines)
        } else {
            String::new()
        };
        self.lines = text.lines().count();
        format!("{up}\x1b[J{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(app: Option<&str>) -> Row {
        Row {
            ts: "2026-11-22T15:00:00.000000001Z".into(),
            app: app.map(str::to_owned),
            usage: Usage {
                cpu_percent: 12.5,
                mem_bytes: 10 * 1024 * 1024,
                mem_limit_bytes: 64_000_000,
                mem_percent: 16.384,
                net_rx_bytes: 1500,
                net_tx_bytes: 20,
                block_read_bytes: 4_096_000,
                block_write_bytes: 0,
                pids: 3,
            },
        }
    }

    #[test]
    fn bytes_read_like_docker_stats() {
        let cases = [
            (0, "0B", "0B"),
            (999, "999B", "999B"),
            (1500, "1.46KiB", "1.50kB"),
            (64_000_000, "61.0MiB", "64.0MB"),
            (10 * 1024 * 1024, "10.0MiB", "10.5MB"),
            (3 * 1024 * 1024 * 1024, "3.00GiB", "3.22GB"),
        ];
        for (bytes, binary, decimal) in cases {
            assert_eq!(binary_bytes(bytes), binary);
            assert_eq!(decimal_bytes(bytes), decimal);
        }
    }

    #[test]
    fn json_lines_have_the_documented_shape() {
        assert_eq!(
            json_line(&row(Some("api"))),
            r#"{"ts":"2026-11-22T15:00:00.000000001Z","app":"api","cpu_percent":12.5,"mem_bytes":10485760,"mem_limit_bytes":64000000,"mem_percent":16.384,"net_rx_bytes":1500,"net_tx_bytes":20,"block_read_bytes":4096000,"block_write_bytes":0,"pids":3}"#
        );
        let total: serde_json::Value = serde_json::from_str(&json_line(&row(None))).unwrap();
        assert_eq!(total["app"], serde_json::Value::Null);
        assert_eq!(total["total"], true);
    }

    #[test]
    fn a_text_line_per_app() {
        assert_eq!(
            text_line(&row(Some("api"))),
            "2026-11-22T15:00:00.000000001Z api cpu=12.50% mem=10.0MiB/61.0MiB (16.38%) net=1.50kB/20B block=4.10MB/0B pids=3"
        );
        assert!(text_line(&row(None)).contains(" (total) "));
    }

    #[test]
    fn the_table_ends_with_the_total() {
        let rows = [row(Some("api"))];
        let text = table(&rows, &rows[0].usage, Styles::PLAIN);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("APP      CPU %"), "{text}");
        assert!(
            lines[1].starts_with("api      12.50%  10.0MiB / 61.0MiB"),
            "{text}"
        );
        assert!(lines[2].starts_with("(total)  12.50%"), "{text}");
    }

    #[test]
    fn a_redraw_moves_back_over_the_previous_frame() {
        let mut redraw = Redraw::default();
        assert_eq!(redraw.frame("a\nb\n"), "\x1b[Ja\nb\n");
        assert_eq!(redraw.frame("c\n"), "\x1b[2F\x1b[Jc\n");
        assert_eq!(redraw.frame("d\n"), "\x1b[1F\x1b[Jd\n");
    }
}
