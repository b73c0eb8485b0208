//! Files attached to messages (MSG-1): which kinds are accepted, decided from the bytes and never
//! from what the client claims; how large they may be; and what name they are stored under.
//!
//! The kind is recognised by its magic numbers. Office documents are ZIP containers that only
//! their name tells apart, so for them the container is checked (a ZIP local-file header) and the
//! extension says which document it is; their contents are not inspected. Every kind not listed
//! here is refused: executables, HTML, SVG (which may carry script), XML, archives of other kinds.

use std::fmt;

/// The largest file accepted: 10 MiB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// At most this many files on one message.
pub const MAX_FILES: usize = 5;
/// The files one account may have uploaded, all together, unless the server says otherwise
/// (`--account-upload-quota-mb`): 1 GB.
pub const DEFAULT_ACCOUNT_QUOTA_BYTES: u64 = 1024 * 1024 * 1024;
/// The files of one school, all together (`--school-upload-quota-mb`): 50 GB.
pub const DEFAULT_SCHOOL_QUOTA_BYTES: u64 = 50 * 1024 * 1024 * 1024;
/// Plain text is accepted up to 1 MiB; a larger "text" is something else.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// The longest stored file name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// A kind of file that may be attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Heic,
    Heif,
    Text,
    Docx,
    Xlsx,
    Pptx,
    Odt,
}

/// Why a file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// Not one of the accepted kinds.
    ForbiddenType,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::TooLarge => write!(f, "larger than {} MB", MAX_FILE_BYTES / 1024 / 1024),
            FileProblem::ForbiddenType => f.write_str("not a kind of file that may be attached"),
        }
    }
}

impl FileKind {
    /// The media type the file is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Heic => "image/heic",
            FileKind::Heif => "image/heif",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    /// The extensions a file of this kind may carry; the first is added when the name has none
    /// of them.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Heic => &["heic", "heif"],
            FileKind::Heif => &["heif", "heic"],
            FileKind::Text => &["txt", "csv", "tsv", "md", "log"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
            FileKind::Odt => &["odt"],
        }
    }
}

/// The lower-case extension of a file name, if it has one.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Whether the bytes are plain text: UTF-8, no NUL, not too long, and not markup (HTML, SVG and
/// XML begin with `<`; a browser or viewer could run what they carry).
fn is_plain_text(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_TEXT_BYTES || bytes.contains(&0) {
        return false;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n', '\x0c']);
    !start.starts_with('<')
}

/// The kind of a file, from its bytes (and, for the ZIP-based office documents only, its
/// name), or why it is refused.
pub fn sniff(bytes: &[u8], file_name: &str) -> Result<FileKind, FileProblem> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Ok(FileKind::Png);
    }
    if at(0, b"\xff\xd8\xff") {
        return Ok(FileKind::Jpeg);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Ok(FileKind::Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Ok(FileKind::Webp);
    }
    // ISO base media: a box size, then `ftyp` and the major brand.
    if at(4, b"ftyp") {
        if at(8, b"heic") || at(8, b"heix") {
            return Ok(FileKind::Heic);
        }
        if at(8, b"mif1") {
            return Ok(FileKind::Heif);
        }
        return Err(FileProblem::ForbiddenType);
    }
    if at(0, b"PK\x03\x04") {
        // The container is checked, not its contents: the extension names the document.
        return match extension(file_name).as_deref() {
            Some("docx") => Ok(FileKind::Docx),
            Some("xlsx") => Ok(FileKind::Xlsx),
            Some("pptx") => Ok(FileKind::Pptx),
            Some("odt") => Ok(FileKind::Odt),
            _ => Err(FileProblem::ForbiddenType),
        };
    }
    if is_plain_text(bytes) {
        return Ok(FileKind::Text);
    }
    Err(FileProblem::ForbiddenType)
}

/// Cuts `name` to at most `max` characters, keeping its extension (when the extension is short
/// enough to keep).
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() < max / 2 => {
            let keep = max - ext.chars().count() - 1;
            let stem: String = stem.chars().take(keep).collect();
            format!("{stem}.{ext}")
        }
        _ => name.chars().take(max).collect(),
    }
}

/// A file name safe to store and to offer for download: the last path component (after `/` and
/// `\`), without control characters and leading dots, at most [`MAX_NAME_CHARS`] characters
/// with its extension kept; `file` when nothing is left.
pub fn safe_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !crate::text::is_bidi_control(*c))
        .collect();
    // Dots and spaces may alternate (". ..") : strip them together, or a dot stays in front.
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    shorten(cleaned, MAX_NAME_CHARS)
}

/// The name a file of `kind` is stored under: [`safe_file_name`], with the kind's extension
/// added when the name does not already end in one of its extensions, so that a PDF called
/// `page.html` is saved as `page.html.pdf` and opened as what it is.
pub fn stored_file_name(raw: &str, kind: FileKind) -> String {
    let name = safe_file_name(raw);
    match extension(&name) {
        Some(ext) if kind.extensions().contains(&ext.as_str()) => name,
        _ => {
            let ext = kind.extensions()[0];
            let stem = shorten(&name, MAX_NAME_CHARS - ext.len() - 1);
            format!("{stem}.{ext}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_kinds_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3", "a.pdf"), Ok(FileKind::Pdf));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "x"),
            Ok(FileKind::Png)
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF", "p.jpg"),
            Ok(FileKind::Jpeg)
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0", "g.gif"), Ok(FileKind::Gif));
        assert_eq!(
            sniff(b"RIFF\x24\0\0\0WEBPVP8 ", "w.webp"),
            Ok(FileKind::Webp)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "IMG_1.HEIC"),
            Ok(FileKind::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheix\0\0\0\0", "i.heic"),
            Ok(FileKind::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0", "i.heif"),
            Ok(FileKind::Heif)
        );
        assert_eq!(
            sniff(
                "Hej Lise\nKan vi tale sammen? Æblegrød\n".as_bytes(),
                "n.txt"
            ),
            Ok(FileKind::Text)
        );
        assert_eq!(sniff(b"", "empty.txt"), Ok(FileKind::Text));
    }

    #[test]
    fn office_documents_are_zip_containers_named_by_extension() {
        let zip = b"PK\x03\x04\x14\0\x06\0";
        assert_eq!(sniff(zip, "Referat.docx"), Ok(FileKind::Docx));
        assert_eq!(sniff(zip, "budget.XLSX"), Ok(FileKind::Xlsx));
        assert_eq!(sniff(zip, "slides.pptx"), Ok(FileKind::Pptx));
        assert_eq!(sniff(zip, "brev.odt"), Ok(FileKind::Odt));
        // Any other zip is refused, whatever it contains.
        assert_eq!(sniff(zip, "photos.zip"), Err(FileProblem::ForbiddenType));
        assert_eq!(sniff(zip, "app.apk"), Err(FileProblem::ForbiddenType));
        assert_eq!(sniff(zip, "docx"), Err(FileProblem::ForbiddenType));
        // An office name does not make other bytes a document.
        assert_eq!(
            sniff(b"MZ\x90\0", "x.docx"),
            Err(FileProblem::ForbiddenType)
        );
    }

    #[test]
    fn everything_else_is_forbidden() {
        let forbidden: &[&[u8]] = &[
            b"MZ\x90\0\x03\0\0\0\x04\0",                // Windows executable
            b"\x7fELF\x02\x01\x01\0",                   // Linux executable
            b"\xcf\xfa\xed\xfe\x07\0\0\x01",            // Mach-O
            b"<!DOCTYPE html><html><script>x</script>", // HTML
            b"  \n<html><body onload=alert(1)>",        // HTML after whitespace
            "\u{feff}<html></html>".as_bytes(),         // HTML after a byte-order mark
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>",
            b"<?xml version=\"1.0\"?><svg/>", // SVG as XML
            b"\0\0\0\x20ftypisom\0\0\x02\0",  // MP4 video
            b"\x1f\x8b\x08\0",                // gzip
            b"Rar!\x1a\x07\0",                // RAR
            b"text with a NUL\0byte",         // binary
            b"\xff\xfeh\0i\0",                // UTF-16 text
            b"caf\xe9",                       // Latin-1, not UTF-8
        ];
        for bytes in forbidden {
            assert_eq!(
                sniff(bytes, "innocent.pdf"),
                Err(FileProblem::ForbiddenType),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn size_limits() {
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(sniff(&big, "a.txt"), Err(FileProblem::TooLarge));
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.resize(MAX_FILE_BYTES, b' ');
        assert_eq!(sniff(&pdf, "a.pdf"), Ok(FileKind::Pdf));
        // Text over 1 MiB is not plain text.
        let long = vec![b'a'; MAX_TEXT_BYTES + 1];
        assert_eq!(sniff(&long, "a.txt"), Err(FileProblem::ForbiddenType));
        let fits = vec![b'a'; MAX_TEXT_BYTES];
        assert_eq!(sniff(&fits, "a.txt"), Ok(FileKind::Text));
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(safe_file_name("../../etc/passwd.txt"), "passwd.txt");
        // Found by fuzzing: dots and spaces in turn left a name of dots.
        assert_eq!(safe_file_name("\u{3}. \0\0\0."), "file");
        assert_eq!(safe_file_name(". .. . .x.pdf"), "x.pdf");
        assert_eq!(safe_file_name("..\\..\\Windows\\win.ini"), "win.ini");
        assert_eq!(safe_file_name("C:\\Users\\mor\\Skema.pdf"), "Skema.pdf");
        assert_eq!(safe_file_name("/"), "file");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name("..."), "file");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("a\r\nb\u{0}c\u{7f}.txt"), "abc.txt");
        assert_eq!(
            safe_file_name("  Madplan uge 12.pdf "),
            "Madplan uge 12.pdf"
        );
        assert_eq!(safe_file_name("Æblegrød og ØL.docx"), "Æblegrød og ØL.docx");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "å".repeat(300));
        let safe = safe_file_name(&long);
        assert_eq!(safe.chars().count(), MAX_NAME_CHARS);
        assert!(safe.ends_with(".pdf"));
        let no_ext = "x".repeat(200);
        assert_eq!(safe_file_name(&no_ext).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn stored_names_end_in_the_kind_they_are() {
        assert_eq!(stored_file_name("Skema.PDF", FileKind::Pdf), "Skema.PDF");
        assert_eq!(
            stored_file_name("page.html", FileKind::Pdf),
            "page.html.pdf"
        );
        assert_eq!(stored_file_name("photo", FileKind::Jpeg), "photo.jpg");
        assert_eq!(stored_file_name("photo.jpeg", FileKind::Jpeg), "photo.jpeg");
        assert_eq!(stored_file_name("run.sh", FileKind::Text), "run.sh.txt");
        assert_eq!(stored_file_name("liste.csv", FileKind::Text), "liste.csv");
        assert_eq!(
            stored_file_name("../../etc/passwd.txt", FileKind::Text),
            "passwd.txt"
        );
        let long = stored_file_name(&"y".repeat(200), FileKind::Png);
        assert_eq!(long.chars().count(), MAX_NAME_CHARS);
        assert!(long.ends_with(".png"));
    }
}
