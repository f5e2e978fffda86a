//! "Did you mean …?" for names a user typed.

/// The known name closest to `input`, if it is close enough to be a plausible typo:
/// a few edits away (transpositions count as one), or sharing most of a long prefix.
pub fn closest<'a>(input: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let allowed_edits = (input.chars().count() / 3).max(1);
    known
        .into_iter()
        .filter_map(|candidate| {
            let edits = strsim::damerau_levenshtein(input, candidate);
            let similarity = strsim::jaro_winkler(input, candidate);
            (edits <= allowed_edits || similarity > 0.9).then_some((edits, -similarity, candidate))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, candidate)| candidate)
}

/// `did you mean `x`?`, ready to be a hint.
pub fn did_you_mean<'a>(input: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(input, known).map(|name| format!("did you mean `{name}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_close_typo() {
        let known = ["dependencies", "expose", "env", "resources"];
        assert_eq!(closest("dependancies", known), Some("dependencies"));
        assert_eq!(closest("exposes", known), Some("expose"));
        assert_eq!(closest("wbe", ["web", "api"]), Some("web"));
        assert_eq!(
            closest("postgress", ["postgres", "redis"]),
            Some("postgres")
        );
    }

    #[test]
    fn says_nothing_for_an_unrelated_word() {
        assert_eq!(closest("zzzz", ["dependencies", "expose"]), None);
        assert_eq!(closest("anything", std::iter::empty()), None);
    }
}
