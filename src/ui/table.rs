//! Column-aligned tables for the terminal.

use unicode_width::UnicodeWidthStr;

/// A table with a header row; columns are padded to their widest cell. `style` may colour a
/// cell; widths are measured on the plain text.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<(String, String)>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Self {
        Self::with_header(&header)
    }

    /// A table whose columns are known only at run time.
    pub fn with_header(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// A row of plain cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| (c.clone(), c)).collect());
    }

    /// A row of `(plain, styled)` cells.
    pub fn styled_row(&mut self, cells: Vec<(String, String)>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, (plain, _)) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(plain.width());
            }
        }
        let mut out = String::new();
        let header: Vec<(String, String)> =
            self.header.iter().map(|h| (h.clone(), h.clone())).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, (plain, styled)) in row.iter().enumerate().take(columns) {
                line.push_str(styled);
                if i + 1 < row.len().min(columns) {
                    line.push_str(&" ".repeat(widths[i] - plain.width() + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let mut table = Table::new(["NAME", "VALUE"]);
        table.row(vec!["A".into(), "1".into()]);
        table.row(vec!["LONGER".into(), "22".into()]);
        assert_eq!(table.render(), "NAME    VALUE\nA       1\nLONGER  22\n");
    }
}
