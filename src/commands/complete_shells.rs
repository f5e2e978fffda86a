//! How a completion answer reaches the shell: clap_complete's own adapters, with one change
//! of taste. clap offers every flag on an empty word, which buries the names one asked for
//! (`ark start -e dev <Tab>` would list 16 flags after the apps); here flags come when the
//! word starts with `-`, or when there is nothing else to offer. And zsh's script also
//! completes when it is autoloaded, not only from the next Tab on.

use clap_complete::env::EnvCompleter;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

const ZSH_AUTOLOADED: &str = r#"if [[ "${funcstack[1]}" == "_ark" ]]; then
    _clap_dynamic_completer_ark "$@"
fi
"#;

pub struct ValuesFirst<'a> {
    shell: &'a dyn EnvCompleter,
    /// The word being completed.
    current: String,
}

impl<'a> ValuesFirst<'a> {
    pub fn new(shell: &'a dyn EnvCompleter, current: &str) -> ValuesFirst<'a> {
        ValuesFirst {
            shell,
            current: current.to_owned(),
        }
    }
}

impl EnvCompleter for ValuesFirst<'_> {
    fn name(&self) -> &'static str {
        self.shell.name()
    }

    fn is(&self, name: &str) -> bool {
        self.shell.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> Result<(), std::io::Error> {
        self.shell
            .write_registration(var, name, bin, completer, buf)?;
        if self.shell.name() == "zsh" {
            // Installed as `_ark` in $fpath, the file is autoloaded on the first Tab and run
            // as that completion: it must also complete then, not only register for the next.
            buf.write_all(ZSH_AUTOLOADED.as_bytes())?;
        }
        Ok(())
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> Result<(), std::io::Error> {
        let mut answer = Vec::new();
        self.shell
            .write_complete(cmd, args, current_dir, &mut answer)?;
        if self.current.starts_with('-') {
            return buf.write_all(&answer);
        }
        // The adapters separate candidates by `_CLAP_IFS` (bash, zsh) or by lines.
        let separator = std::env::var("_CLAP_IFS").unwrap_or_else(|_| "\n".to_owned());
        let answer = String::from_utf8_lossy(&answer);
        buf.write_all(flags_dropped(&answer, &separator).as_bytes())
    }
}

/// The answer without its flags, unless flags are all it has.
fn flags_dropped(answer: &str, separator: &str) -> String {
    let is_flag = |candidate: &str| candidate.starts_with('-');
    let candidates: Vec<&str> = answer.split(separator).collect();
    if !candidates.iter().any(|c| !c.is_empty() && !is_flag(c)) {
        return answer.to_owned();
    }
    candidates
        .into_iter()
        .filter(|c| !is_flag(c))
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_go_when_names_are_offered() {
        // fish: one candidate a line, help after a tab, a final newline.
        let fish = "api\tthe api\nweb\n--dry-run\tPrint the plan\n-e\tEnv\n";
        assert_eq!(flags_dropped(fish, "\n"), "api\tthe api\nweb\n");
        // bash: values only, separated by a vertical tab.
        assert_eq!(flags_dropped("--color\u{b}api", "\u{b}"), "api");
        let only_flags = "--output\tOutput format\n--help\n";
        assert_eq!(flags_dropped(only_flags, "\n"), only_flags);
        assert_eq!(flags_dropped("", "\n"), "");
    }
}
