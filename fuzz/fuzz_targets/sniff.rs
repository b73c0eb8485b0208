//! Upload sniffing: any bytes under any name are sorted or refused, never a panic; the names
//! made for storing carry no path and no control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skolebro_domain::files::{safe_file_name, sniff, stored_file_name};

fuzz_target!(|data: &[u8]| {
    // The first byte says how much of the rest is the file name.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n).min(rest.len());
    let (name, bytes) = rest.split_at(n);
    let name = String::from_utf8_lossy(name);
    let safe = safe_file_name(&name);
    assert!(!safe.is_empty());
    assert!(!safe.contains(['/', '\\']), "{safe:?}");
    assert!(!safe.chars().any(char::is_control), "{safe:?}");
    assert!(!safe.starts_with('.'), "{safe:?}");
    if let Ok(kind) = sniff(bytes, &name) {
        let stored = stored_file_name(&name, kind);
        assert!(!stored.contains(['/', '\\']), "{stored:?}");
        assert!(
            kind.extensions()
                .iter()
                .any(|e| stored.to_lowercase().ends_with(&format!(".{e}"))),
            "{stored:?} keeps the kind's extension"
        );
    }
});
