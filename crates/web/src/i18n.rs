//! The interface's texts in Danish, Norwegian Bokmål and English (PLT-1), from Fluent files
//! compiled into the binary. Each area keeps its texts in `locales/<lang>/<area>.ftl`.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use skolebro_domain::Lang;

/// The Fluent sources of each language, one per area.
const SOURCES: &[(Lang, &[&str])] = &[
    (
        Lang::Da,
        &[
            include_str!("../locales/da/common.ftl"),
            include_str!("../locales/da/auth.ftl"),
            include_str!("../locales/da/people.ftl"),
            include_str!("../locales/da/messages.ftl"),
            include_str!("../locales/da/cases.ftl"),
            include_str!("../locales/da/conferences.ftl"),
            include_str!("../locales/da/absence.ftl"),
            include_str!("../locales/da/tone.ftl"),
            include_str!("../locales/da/posts.ftl"),
            include_str!("../locales/da/meetings.ftl"),
            include_str!("../locales/da/calendar.ftl"),
            include_str!("../locales/da/notify.ftl"),
        ],
    ),
    (
        Lang::Nb,
        &[
            include_str!("../locales/nb/common.ftl"),
            include_str!("../locales/nb/auth.ftl"),
            include_str!("../locales/nb/people.ftl"),
            include_str!("../locales/nb/messages.ftl"),
            include_str!("../locales/nb/cases.ftl"),
            include_str!("../locales/nb/conferences.ftl"),
            include_str!("../locales/nb/posts.ftl"),
            include_str!("../locales/nb/absence.ftl"),
            include_str!("../locales/nb/meetings.ftl"),
            include_str!("../locales/nb/tone.ftl"),
            include_str!("../locales/nb/calendar.ftl"),
            include_str!("../locales/nb/notify.ftl"),
        ],
    ),
    (
        Lang::En,
        &[
            include_str!("../locales/en/common.ftl"),
            include_str!("../locales/en/auth.ftl"),
            include_str!("../locales/en/people.ftl"),
            include_str!("../locales/en/messages.ftl"),
            include_str!("../locales/en/posts.ftl"),
            include_str!("../locales/en/cases.ftl"),
            include_str!("../locales/en/conferences.ftl"),
            include_str!("../locales/en/meetings.ftl"),
            include_str!("../locales/en/absence.ftl"),
            include_str!("../locales/en/tone.ftl"),
            include_str!("../locales/en/calendar.ftl"),
            include_str!("../locales/en/notify.ftl"),
        ],
    ),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<HashMap<Lang, Bundle>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, files)| {
            let id = lang.as_str().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks would show up as stray characters in attributes and tests.
            bundle.set_use_isolating(false);
            for source in *files {
                // The files are ours and checked by a test; a broken one fails loudly there.
                let resource = FluentResource::try_new((*source).to_owned())
                    .unwrap_or_else(|(partial, _)| partial);
                let _ = bundle.add_resource(resource);
            }
            (*lang, bundle)
        })
        .collect()
});

/// Translations for one request's language. Cheap to clone into every template.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(bundle) = BUNDLES.get(&self.lang) else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            // A missing text shows its id rather than nothing; the completeness test catches it.
            return id.to_owned();
        };
        let mut errors = vec![];
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// The text `id`.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The text `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        let value = value.to_string();
        match value.parse::<i64>() {
            // Numbers stay numbers so that plural rules apply.
            Ok(n) => args.set(name.to_owned(), FluentValue::from(n)),
            Err(_) => args.set(name.to_owned(), FluentValue::from(value)),
        }
        self.format(id, Some(&args))
    }

    /// The text `id` with two arguments.
    pub fn t2(
        &self,
        id: &str,
        name1: &str,
        value1: impl ToString,
        name2: &str,
        value2: impl ToString,
    ) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in [(name1, value1.to_string()), (name2, value2.to_string())] {
            match value.parse::<i64>() {
                Ok(n) => args.set(name.to_owned(), FluentValue::from(n)),
                Err(_) => args.set(name.to_owned(), FluentValue::from(value)),
            }
        }
        self.format(id, Some(&args))
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.as_str()
    }
}

/// Every message id of a language, for the completeness test.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let mut ids = Vec::new();
    if let Some((_, files)) = SOURCES.iter().find(|(l, _)| *l == lang) {
        for source in *files {
            if let Ok(resource) = FluentResource::try_new((*source).to_owned()) {
                for entry in resource.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        ids.push(m.id.name.to_owned());
                    }
                }
            }
        }
    }
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses_and_has_the_same_texts() {
        for (lang, files) in SOURCES {
            for source in *files {
                assert!(
                    FluentResource::try_new((*source).to_owned()).is_ok(),
                    "a Fluent file of {lang:?} does not parse"
                );
            }
        }
        let en = message_ids(Lang::En);
        assert!(en.len() > 40);
        assert_eq!(message_ids(Lang::Da), en, "Danish lacks or adds texts");
        assert_eq!(message_ids(Lang::Nb), en, "Bokmål lacks or adds texts");
    }

    #[test]
    fn texts_differ_by_language_and_take_arguments() {
        let da = Tr::new(Lang::Da);
        let nb = Tr::new(Lang::Nb);
        let en = Tr::new(Lang::En);
        assert_eq!(en.t("nav-sign-out"), "Sign out");
        assert_eq!(da.t("nav-sign-out"), "Log ud");
        assert_eq!(nb.t("nav-sign-out"), "Logg ut");
        assert_eq!(
            en.t1("login-throttled", "seconds", 30),
            "Too many attempts. Try again in 30 seconds."
        );
        assert_eq!(en.t("no-such-text"), "no-such-text");
    }
}
