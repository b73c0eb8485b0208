//! The roster CSV parser: any bytes give rows and line errors, never a panic, and every error
//! names a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skolebro_store::roster::parse;

fuzz_target!(|data: &[u8]| {
    let (_, errors) = parse(data);
    let lines = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
    for e in &errors {
        assert!(e.line <= lines, "line {} of {lines}: {e}", e.line);
    }
});
