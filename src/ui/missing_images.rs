//! The error for an image a start needs that is not on the engine and cannot be had: one
//! block per image, naming the apps that need it, what the engine said, and how to get it.

use crate::core::needed_image::{Unavailable, SEEDABLE};
use crate::ui::style::Styles;

/// `error: …` / `  engine: …` / `  hint: …` lines for one image.
pub fn render(unavailable: &Unavailable, styles: Styles) -> String {
    let need = &unavailable.needed;
    let image = &need.image;
    let apps: Vec<String> = need.apps.iter().map(|a| format!("`{a}`")).collect();
    let does = match (apps.len(), need.for_builds, need.to_run) {
        (1, true, false) => "builds on it",
        (1, false, true) => "runs it",
        (1, _, _) => "needs it",
        (_, true, false) => "each build on it",
        (_, false, true) => "each run it",
        _ => "need it",
    };
    let mut text = format!(
        "{}: image `{image}` is not on the engine and cannot be pulled; {} {does}\n",
        styles.error("error"),
        apps.join(", ")
    );
    text.push_str(&format!("  engine: {}\n", unavailable.engine_said));
    if let Some(why) = &unavailable.no_busybox {
        text.push_str(&format!(
            "  ark cannot make it here either: {why}\n  {}: install Debian's static busybox (`sudo apt-get install busybox-static`) and run again; ark makes {SEEDABLE} from it offline\n",
            styles.hint("hint"),
        ));
    } else {
        text.push_str(&format!(
            "  {}: where a registry answers, `docker pull {image}` (after `docker login` if it is private); to bring it here, `docker save {image} -o image.tar` there and `docker load -i image.tar` here (README, Quickstart: offline)\n",
            styles.hint("hint"),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::needed_image::Needed;

    fn unavailable(
        image: &str,
        apps: &[&str],
        for_builds: bool,
        no_busybox: Option<&str>,
    ) -> Unavailable {
        Unavailable {
            needed: Needed {
                image: image.into(),
                apps: apps.iter().map(|a| (*a).to_owned()).collect(),
                for_builds,
                to_run: !for_builds,
            },
            engine_said: "pull x: lookup registry-1.docker.io: no such host".into(),
            no_busybox: no_busybox.map(str::to_owned),
        }
    }

    #[test]
    fn one_block_names_the_image_its_apps_the_engine_and_a_way_out() {
        let text = render(
            &unavailable("ark-test/missing:1", &["one", "two"], true, None),
            Styles::PLAIN,
        );
        assert_eq!(
            text,
            "error: image `ark-test/missing:1` is not on the engine and cannot be pulled; `one`, `two` each build on it\n  engine: pull x: lookup registry-1.docker.io: no such host\n  hint: where a registry answers, `docker pull ark-test/missing:1` (after `docker login` if it is private); to bring it here, `docker save ark-test/missing:1 -o image.tar` there and `docker load -i image.tar` here (README, Quickstart: offline)\n"
        );
        let prebuilt = render(
            &unavailable("postgres:16", &["db"], false, None),
            Styles::PLAIN,
        );
        assert!(prebuilt.contains("; `db` runs it\n"), "{prebuilt}");
    }

    #[test]
    fn busybox_without_a_static_binary_says_what_to_install() {
        let text = render(
            &unavailable(
                SEEDABLE,
                &["web"],
                true,
                Some("`/bin/busybox` is not statically linked"),
            ),
            Styles::PLAIN,
        );
        assert!(
            text.contains(
                "ark cannot make it here either: `/bin/busybox` is not statically linked\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "hint: install Debian's static busybox (`sudo apt-get install busybox-static`)"
            ),
            "{text}"
        );
    }
}
