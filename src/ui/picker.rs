//! A fuzzy picker on the terminal, drawn on stderr (stdout stays data): type to filter,
//! up/down to move, space (or tab) to select, enter to accept, esc or ctrl-c to cancel.
//!
//! dialoguer has a fuzzy single select and a multi select without a filter, not a fuzzy
//! multi select, so ark draws its own on the `console::Term` dialoguer brings, matching as
//! dialoguer's `FuzzySelect` does (skim's algorithm, from `fuzzy-matcher`). `Choice` is the
//! state — pure, driven by keys, tested below —; `pick` only reads keys and draws it.

use crate::ui::style::Styles;
use dialoguer::console::{Key, Term};
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use unicode_width::UnicodeWidthChar;

/// One thing to pick: the name that is matched and returned, and a note shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub note: String,
}

impl Item {
    pub fn named(name: impl Into<String>) -> Item {
        Item {
            name: name.into(),
            note: String::new(),
        }
    }
}

/// One item, or any number of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    One,
    Many,
}

/// How a pick ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// The names accepted, in the order the items were given.
    Chosen(Vec<String>),
    /// Esc or ctrl-c: the caller changes nothing.
    Cancelled,
}

/// Whether someone is at the keyboard: keys come from stdin and the picker is drawn on
/// stderr, so both must be terminals. A script, a pipe or CI never gets a picker.
pub fn attended() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Asks the person at the terminal to pick among `items`; `None` when nobody can answer
/// (see `attended`) or the terminal fails. On accepting, the picker leaves one line
/// (`prompt: a, b`) behind; on cancelling, nothing.
pub fn pick(prompt: &str, items: Vec<Item>, mode: Mode, styles: Styles) -> Option<Picked> {
    if !attended() {
        return None;
    }
    let term = Term::stderr();
    let mut choice = Choice::new(items, mode);
    let mut screen = Screen {
        term: &term,
        drawn: 0,
    };
    let picked = screen.run(prompt, &mut choice, styles);
    let cleaned = screen.clear().and_then(|()| term.show_cursor());
    let picked = picked.and_then(|p| cleaned.map(|()| p)).ok()?;
    if let Picked::Chosen(names) = &picked {
        term.write_line(&format!("{prompt}: {}", names.join(", ")))
            .ok()?;
    }
    Some(picked)
}

/// What is on the terminal, so each frame replaces the last.
struct Screen<'a> {
    term: &'a Term,
    drawn: usize,
}

impl Screen<'_> {
    fn run(&mut self, prompt: &str, choice: &mut Choice, styles: Styles) -> io::Result<Picked> {
        self.term.hide_cursor()?;
        loop {
            let (rows, columns) = self.term.size();
            // The list gets the rows left after the prompt and the footer, ten at most.
            let visible = usize::from(rows).saturating_sub(3).clamp(1, 10);
            let lines = choice.view(prompt, visible, usize::from(columns).max(20), styles);
            self.clear()?;
            self.term.write_str(&lines.join("\n"))?;
            self.term.write_str("\n")?;
            self.drawn = lines.len();
            if let Some(picked) = choice.key(self.term.read_key_raw()?) {
                return Ok(picked);
            }
        }
    }

    /// Back to where the last frame began, and everything below it erased.
    fn clear(&mut self) -> io::Result<()> {
        if self.drawn > 0 {
            self.term.move_cursor_up(self.drawn)?;
        }
        self.term.clear_to_end_of_screen()?;
        self.drawn = 0;
        Ok(())
    }
}

/// The picker's state: the query, what matches it (best first), the cursor among the
/// matches and what is selected (kept while the query changes).
pub struct Choice {
    items: Vec<Item>,
    mode: Mode,
    query: String,
    /// Indexes into `items`.
    matches: Vec<usize>,
    /// Index into `matches`.
    cursor: usize,
    /// Indexes into `items`.
    selected: BTreeSet<usize>,
    matcher: SkimMatcherV2,
}

impl Choice {
    pub fn new(items: Vec<Item>, mode: Mode) -> Choice {
        let mut choice = Choice {
            items,
            mode,
            query: String::new(),
            matches: Vec::new(),
            cursor: 0,
            selected: BTreeSet::new(),
            matcher: SkimMatcherV2::default().ignore_case(),
        };
        choice.filter();
        choice
    }

    /// Applies one key; `Some` when the pick is over.
    pub fn key(&mut self, key: Key) -> Option<Picked> {
        match key {
            Key::Escape | Key::CtrlC => return Some(Picked::Cancelled),
            Key::Enter => return self.accept(),
            Key::ArrowUp | Key::BackTab => self.cursor = self.cursor.saturating_sub(1),
            Key::ArrowDown => self.down(),
            Key::Home | Key::PageUp => self.cursor = 0,
            Key::End | Key::PageDown => self.cursor = self.matches.len().saturating_sub(1),
            Key::Char(' ') | Key::Tab if self.mode == Mode::Many => {
                self.toggle();
                self.down();
            }
            Key::Backspace if self.query.pop().is_some() => self.filter(),
            Key::Char(c) if !c.is_control() && c != ' ' && c != '\t' => {
                self.query.push(c);
                self.filter();
            }
            _ => {}
        }
        None
    }

    fn down(&mut self) {
        if self.cursor + 1 < self.matches.len() {
            self.cursor += 1;
        }
    }

    fn toggle(&mut self) {
        if let Some(&item) = self.matches.get(self.cursor) {
            if !self.selected.remove(&item) {
                self.selected.insert(item);
            }
        }
    }

    /// The selection, or with none the item under the cursor (so `web⏎` picks web);
    /// nothing to accept (no match, nothing selected) keeps the picker open.
    fn accept(&self) -> Option<Picked> {
        let chosen: Vec<usize> = if self.mode == Mode::Many && !self.selected.is_empty() {
            self.selected.iter().copied().collect()
        } else {
            vec![*self.matches.get(self.cursor)?]
        };
        Some(Picked::Chosen(
            chosen
                .into_iter()
                .map(|i| self.items[i].name.clone())
                .collect(),
        ))
    }

    /// Items matching the query, best first (ties in the order given); every item when
    /// the query is empty. The cursor goes back to the best match.
    fn filter(&mut self) {
        let mut scored: Vec<(i64, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                if self.query.is_empty() {
                    return Some((0, i));
                }
                self.matcher
                    .fuzzy_match(&item.name, &self.query)
                    .map(|score| (score, i))
            })
            .collect();
        scored.sort_by_key(|&(score, i)| (std::cmp::Reverse(score), i));
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
        self.cursor = 0;
    }

    /// The frame: the prompt and query, up to `rows` matches around the cursor, and a
    /// footer with counts and keys. Each line fits in `columns` (a wrapped line would
    /// throw off the next frame's clearing).
    pub fn view(&self, prompt: &str, rows: usize, columns: usize, styles: Styles) -> Vec<String> {
        let fit = |line: String| fit_width(&line, columns);
        let mut lines = vec![styles.bold(&fit(format!("{prompt}: {}", self.query)))];
        let first = (self.cursor + 1).saturating_sub(rows);
        for (row, &item) in self.matches.iter().enumerate().skip(first).take(rows) {
            let item_ref = &self.items[item];
            let mark = match (self.mode, self.selected.contains(&item)) {
                (Mode::One, _) => "",
                (Mode::Many, true) => "[x] ",
                (Mode::Many, false) => "[ ] ",
            };
            let pointer = if row == self.cursor { ">" } else { " " };
            let text = if item_ref.note.is_empty() {
                format!("{pointer} {mark}{}", item_ref.name)
            } else {
                format!("{pointer} {mark}{}  {}", item_ref.name, item_ref.note)
            };
            let text = fit(text);
            lines.push(if row == self.cursor {
                styles.bold(&text)
            } else {
                text
            });
        }
        if self.matches.is_empty() {
            lines.push(fit(format!("  (nothing matches `{}`)", self.query)));
        }
        let keys = match self.mode {
            Mode::One => "↑↓ move · enter pick · esc cancel".to_owned(),
            Mode::Many => format!(
                "{} selected · space select · enter accept · esc cancel",
                self.selected.len()
            ),
        };
        let footer = format!("  {} of {} · {keys}", self.matches.len(), self.items.len());
        lines.push(styles.dim(&fit(footer)));
        lines
    }
}

/// `text` cut to `columns` display columns, with `…` where it was cut.
fn fit_width(text: &str, columns: usize) -> String {
    let width = |c: char| c.width().unwrap_or(0);
    if text.chars().map(width).sum::<usize>() <= columns {
        return text.to_owned();
    }
    let mut used = 0;
    let mut cut = String::new();
    for c in text.chars() {
        if used + width(c) + 1 > columns {
            break;
        }
        used += width(c);
        cut.push(c);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps(names: &[&str]) -> Vec<Item> {
        names.iter().map(|n| Item::named(*n)).collect()
    }

    fn typed(choice: &mut Choice, text: &str) {
        for c in text.chars() {
            assert_eq!(choice.key(Key::Char(c)), None);
        }
    }

    fn shown(choice: &Choice) -> Vec<String> {
        choice
            .matches
            .iter()
            .map(|&i| choice.items[i].name.clone())
            .collect()
    }

    fn chosen(names: &[&str]) -> Option<Picked> {
        Some(Picked::Chosen(
            names.iter().map(|n| n.to_string()).collect(),
        ))
    }

    #[test]
    fn typing_filters_fuzzily_best_match_first_and_backspace_widens_again() {
        let mut choice = Choice::new(apps(&["api", "web", "worker", "webhook"]), Mode::Many);
        assert_eq!(shown(&choice), ["api", "web", "worker", "webhook"]);
        typed(&mut choice, "wb");
        assert_eq!(shown(&choice), ["web", "webhook"], "a subsequence matches");
        typed(&mut choice, "h");
        assert_eq!(shown(&choice), ["webhook"]);
        typed(&mut choice, "Z");
        assert!(shown(&choice).is_empty());
        choice.key(Key::Backspace);
        choice.key(Key::Backspace);
        assert_eq!(shown(&choice), ["web", "webhook"]);
        let mut choice = Choice::new(apps(&["worker-web", "web"]), Mode::Many);
        typed(&mut choice, "WEB");
        assert_eq!(
            shown(&choice)[0],
            "web",
            "case is ignored, the tighter match first"
        );
    }

    #[test]
    fn selections_survive_filtering_and_come_back_in_the_order_given() {
        let mut choice = Choice::new(apps(&["api", "web", "worker"]), Mode::Many);
        typed(&mut choice, "wor");
        choice.key(Key::Char(' '));
        for _ in 0..3 {
            choice.key(Key::Backspace);
        }
        assert_eq!(
            shown(&choice).len(),
            3,
            "the filter is gone, the selection is not"
        );
        choice.key(Key::Char(' ')); // api, under the cursor again after filtering
        assert_eq!(choice.key(Key::Enter), chosen(&["api", "worker"]));
    }

    #[test]
    fn space_toggles_and_moves_on_and_the_cursor_stays_within_the_matches() {
        let mut choice = Choice::new(apps(&["a", "b", "c"]), Mode::Many);
        choice.key(Key::ArrowUp);
        assert_eq!(choice.cursor, 0);
        choice.key(Key::Char(' ')); // selects a, moves to b
        choice.key(Key::Tab); // selects b, moves to c
        choice.key(Key::ArrowUp);
        choice.key(Key::Char(' ')); // unselects b
        choice.key(Key::End);
        choice.key(Key::ArrowDown);
        assert_eq!(choice.cursor, 2);
        assert_eq!(choice.key(Key::Enter), chosen(&["a"]));
    }

    #[test]
    fn enter_with_nothing_selected_takes_the_item_under_the_cursor() {
        let mut choice = Choice::new(apps(&["api", "web"]), Mode::Many);
        typed(&mut choice, "we");
        assert_eq!(choice.key(Key::Enter), chosen(&["web"]));
        let mut choice = Choice::new(apps(&["api", "web"]), Mode::Many);
        typed(&mut choice, "zz");
        assert_eq!(
            choice.key(Key::Enter),
            None,
            "nothing to accept: keep asking"
        );
    }

    #[test]
    fn one_picks_a_single_item_and_space_neither_selects_nor_types() {
        let mut choice = Choice::new(apps(&["dev", "demo", "test"]), Mode::One);
        choice.key(Key::Char(' '));
        assert!(choice.selected.is_empty());
        assert_eq!(choice.query, "");
        choice.key(Key::ArrowDown);
        assert_eq!(choice.key(Key::Enter), chosen(&["demo"]));
    }

    #[test]
    fn esc_and_ctrl_c_cancel_whatever_is_selected() {
        for key in [Key::Escape, Key::CtrlC] {
            let mut choice = Choice::new(apps(&["api", "web"]), Mode::Many);
            choice.key(Key::Char(' '));
            assert_eq!(choice.key(key), Some(Picked::Cancelled));
        }
    }

    #[test]
    fn the_view_shows_query_marks_cursor_and_counts_and_scrolls_with_the_cursor() {
        let items = vec![
            Item::named("api"),
            Item {
                name: "web".into(),
                note: "2 apps".into(),
            },
            Item::named("worker"),
        ];
        let mut choice = Choice::new(items, Mode::Many);
        choice.key(Key::Char(' '));
        assert_eq!(
            choice.view("apps to start", 2, 80, Styles::PLAIN),
            [
                "apps to start: ",
                "  [x] api",
                "> [ ] web  2 apps",
                "  3 of 3 · 1 selected · space select · enter accept · esc cancel",
            ]
        );
        choice.key(Key::ArrowDown);
        let view = choice.view("apps to start", 2, 80, Styles::PLAIN);
        assert_eq!(view[1..3], ["  [ ] web  2 apps", "> [ ] worker"]);
        typed(&mut choice, "q");
        assert_eq!(
            choice.view("apps to start", 2, 30, Styles::PLAIN),
            [
                "apps to start: q",
                "  (nothing matches `q`)",
                "  0 of 3 · 1 selected · space…",
            ]
        );
    }

    #[test]
    fn long_lines_are_cut_to_the_terminal_width() {
        assert_eq!(fit_width("abcdef", 6), "abcdef");
        assert_eq!(fit_width("abcdef", 4), "abc…");
        assert_eq!(fit_width("日本語", 4), "日…");
    }
}
