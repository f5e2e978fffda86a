//! Presentation: the only code that writes to the terminal.

pub mod history_view;
pub mod json;
pub mod log_view;
pub mod metrics_view;
pub mod missing_images;
pub mod picker;
pub mod plan_view;
pub mod printer;
pub mod progress;
pub mod prompt;
pub mod reconnect_view;
pub mod style;
pub mod table;
pub mod terminal;
pub mod time;
