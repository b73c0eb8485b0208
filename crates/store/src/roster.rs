//! Roster import: classes, pupils, guardians and staff from one CSV file (docs/roster.md).
//!
//! Three steps. [`parse`] reads the file without the database and reports every bad line.
//! [`plan`] compares the rows with what the school already holds ([`Existing`]), reports the
//! lines that refer to something unknown and works out what to add and change. Both are pure,
//! so they are unit-tested here. [`Store::import_roster`] runs them and writes the plan in one
//! transaction, or rolls it back for a dry run. Nothing is written while any line is bad.
//!
//! Persons are identified by `(school_id, external_key)`, classes by
//! `(school_id, school_year, name)` in the current school year, so importing the same file
//! twice changes nothing. Nothing is ever deleted, except that a pupil named in the file is
//! moved to the class the file gives for this school year.

use std::collections::{HashMap, HashSet};
use std::fmt;

use skolebro_domain::profile::school_year;
use skolebro_domain::text::{MAX_NAME_CHARS, MAX_USERNAME_CHARS};
use skolebro_domain::{Access, Lang, Role, SchoolId};
use sqlx::Row;

use crate::audit::{audit_in, AuditRow};
use crate::auth::{hash_password, random_token};
use crate::db::{insert_rows, Val};
use crate::{now, Store, StoreError};

/// The longest value of any cell, in characters.
pub const MAX_FIELD_CHARS: usize = 200;
/// The highest grade a class may have.
pub const MAX_GRADE: i64 = 10;

/// The columns a roster may have, in the order the documentation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Type,
    Key,
    GivenName,
    FamilyName,
    Class,
    Grade,
    Pupils,
    Username,
    Email,
    Phone,
    Address,
    Protected,
    Language,
    Interpreter,
    Household,
}

impl Col {
    const ALL: [Col; 15] = [
        Col::Type,
        Col::Key,
        Col::GivenName,
        Col::FamilyName,
        Col::Class,
        Col::Grade,
        Col::Pupils,
        Col::Username,
        Col::Email,
        Col::Phone,
        Col::Address,
        Col::Protected,
        Col::Language,
        Col::Interpreter,
        Col::Household,
    ];

    fn name(self) -> &'static str {
        match self {
            Col::Type => "type",
            Col::Key => "key",
            Col::GivenName => "given_name",
            Col::FamilyName => "family_name",
            Col::Class => "class",
            Col::Grade => "grade",
            Col::Pupils => "pupils",
            Col::Username => "username",
            Col::Email => "email",
            Col::Phone => "phone",
            Col::Address => "address",
            Col::Protected => "protected",
            Col::Language => "language",
            Col::Interpreter => "interpreter",
            Col::Household => "household",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A problem with one line of the file. `line` counts from 1, the header; a value that spans
/// lines (quoted, with line breaks) counts from where its record starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub reason: String,
}

impl LineError {
    fn new(line: u64, reason: impl Into<String>) -> Self {
        LineError {
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What a line describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Class,
    Pupil,
    Guardian,
    Staff,
    Leader,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s.to_ascii_lowercase().as_str() {
            "class" => Some(Kind::Class),
            "pupil" => Some(Kind::Pupil),
            "guardian" => Some(Kind::Guardian),
            "staff" => Some(Kind::Staff),
            "leader" => Some(Kind::Leader),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Class => "class",
            Kind::Pupil => "pupil",
            Kind::Guardian => "guardian",
            Kind::Staff => "staff",
            Kind::Leader => "leader",
        }
    }

    /// The roles a person of this kind holds. A leader is also staff, as in the demo school.
    fn roles(self) -> &'static [Role] {
        match self {
            Kind::Class => &[],
            Kind::Pupil => &[Role::Pupil],
            Kind::Guardian => &[Role::Guardian],
            Kind::Staff => &[Role::Staff],
            Kind::Leader => &[Role::Leader, Role::Staff],
        }
    }
}

/// A value the file sets, or leaves as skolebro has it (the column is not in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update<T> {
    Keep,
    Set(T),
}

impl<T> Update<T> {
    fn apply(self, current: T) -> T {
        match self {
            Update::Keep => current,
            Update::Set(v) => v,
        }
    }
}

/// A `class` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    pub line: u64,
    pub key: String,
    pub name: String,
    pub grade: i64,
}

/// A `pupil`, `guardian`, `staff` or `leader` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub line: u64,
    pub kind: Kind,
    pub key: String,
    pub given_name: String,
    pub family_name: String,
    pub username: Option<String>,
    pub email: Update<Option<String>>,
    pub phone: Update<Option<String>>,
    pub address: Update<Option<String>>,
    pub protected: Update<bool>,
    /// The interface language; applied only while the person has not chosen one.
    pub language: Option<Lang>,
    /// The language an interpreter is needed in.
    pub interpreter: Update<Option<String>>,
    /// A pupil's one class; the classes a staff member or leader teaches, `true` for contact
    /// teacher.
    pub classes: Vec<(String, bool)>,
    /// A guardian's pupils, by key, with the access to each.
    pub pupils: Vec<(String, Access)>,
    /// A guardian's household for their pupils: 2 for a child's second home (CON-1).
    pub household: Update<i64>,
}

/// The good lines of a roster file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub classes: Vec<ClassRow>,
    pub persons: Vec<PersonRow>,
    /// Class names and person keys found on bad lines: references to them are not reported a
    /// second time as unknown.
    bad_classes: HashSet<String>,
    bad_keys: HashSet<String>,
}

impl Roster {
    fn usernames(&self) -> Vec<String> {
        self.persons
            .iter()
            .filter_map(|p| p.username.clone())
            .collect()
    }
}

/// Where each known column is in the file.
struct Columns {
    position: [Option<usize>; 15],
    names: Vec<String>,
}

impl Columns {
    fn name_at(&self, i: usize) -> String {
        match self.names.get(i) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("{}", i + 1),
        }
    }
}

/// The trimmed cells of one line.
struct Cells<'a> {
    columns: &'a Columns,
    values: Vec<String>,
}

impl Cells<'_> {
    /// The cell of a column; `None` when the file has no such column.
    fn get(&self, col: Col) -> Option<&str> {
        self.columns.position[col.index()]
            .and_then(|i| self.values.get(i))
            .map(String::as_str)
    }

    /// The cell of a column, empty when the file has no such column.
    fn text(&self, col: Col) -> &str {
        self.get(col).unwrap_or("")
    }

    /// An optional text: `Keep` without the column, `Set(None)` for an empty cell.
    fn optional(&self, col: Col) -> Update<Option<String>> {
        match self.get(col) {
            None => Update::Keep,
            Some("") => Update::Set(None),
            Some(v) => Update::Set(Some(v.to_owned())),
        }
    }
}

const UTF8_HINT: &str = "save the file as UTF-8 (in a spreadsheet: \"CSV UTF-8\")";

/// Reads a roster file. Returns the good lines and a problem for every bad one; the caller
/// imports nothing unless the problems are none.
pub fn parse(input: &[u8]) -> (Roster, Vec<LineError>) {
    let mut roster = Roster::default();
    let mut errors = Vec::new();
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => {
            errors.push(LineError::new(
                1,
                "the file is empty: its first line must name the columns (see docs/roster.md)",
            ));
            return (roster, errors);
        }
        Some(Err(e)) => {
            errors.push(LineError::new(1, format!("cannot read the header: {e}")));
            return (roster, errors);
        }
        Some(Ok(h)) => h,
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let columns = match parse_header(&header) {
        Ok(c) => c,
        Err(reasons) => {
            errors.extend(reasons.into_iter().map(|r| LineError::new(header_line, r)));
            return (roster, errors);
        }
    };

    let mut class_keys: HashMap<String, u64> = HashMap::new();
    let mut class_names: HashMap<String, u64> = HashMap::new();
    let mut person_keys: HashMap<String, u64> = HashMap::new();
    let mut usernames: HashMap<String, u64> = HashMap::new();
    let mut last_line = header_line;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(last_line + 1, |p| p.line());
                errors.push(LineError::new(line, format!("cannot read the line: {e}")));
                break;
            }
        };
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        let row = match parse_record(&record, &columns) {
            Ok(None) => continue,
            Ok(Some(row)) => row,
            Err(bad) => {
                errors.extend(bad.reasons.into_iter().map(|r| LineError::new(line, r)));
                if let Some(name) = bad.class_name {
                    roster.bad_classes.insert(name);
                }
                if let Some(key) = bad.key {
                    roster.bad_keys.insert(key);
                }
                continue;
            }
        };
        match row {
            Parsed::Class { key, name, grade } => {
                let mut ok = true;
                if let Some(first) = class_keys.get(&key) {
                    errors.push(LineError::new(
                        line,
                        format!("duplicate class key {key:?} (also on line {first})"),
                    ));
                    ok = false;
                }
                if let Some(first) = class_names.get(&name) {
                    errors.push(LineError::new(
                        line,
                        format!("duplicate class {name:?} (also on line {first})"),
                    ));
                    ok = false;
                }
                class_keys.entry(key.clone()).or_insert(line);
                class_names.entry(name.clone()).or_insert(line);
                if ok {
                    roster.classes.push(ClassRow {
                        line,
                        key,
                        name,
                        grade,
                    });
                }
            }
            Parsed::Person(mut person) => {
                person.line = line;
                let mut ok = true;
                if let Some(first) = person_keys.get(&person.key) {
                    errors.push(LineError::new(
                        line,
                        format!("duplicate key {:?} (also on line {first})", person.key),
                    ));
                    ok = false;
                }
                if let Some(username) = &person.username {
                    if let Some(first) = usernames.get(username) {
                        errors.push(LineError::new(
                            line,
                            format!("duplicate username {username:?} (also on line {first})"),
                        ));
                        ok = false;
                    }
                    usernames.entry(username.clone()).or_insert(line);
                }
                person_keys.entry(person.key.clone()).or_insert(line);
                if ok {
                    roster.persons.push(*person);
                }
            }
        }
    }
    (roster, errors)
}

fn parse_header(header: &csv::ByteRecord) -> Result<Columns, Vec<String>> {
    let mut reasons = Vec::new();
    let mut names = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(s) => names.push(s.trim().to_ascii_lowercase()),
            Err(_) => {
                reasons.push(format!(
                    "the header is not valid UTF-8 (column {}); {UTF8_HINT}",
                    i + 1
                ));
                names.push(String::new());
            }
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    if names.len() == 1 {
        for (sep, what) in [(';', "semicolons"), ('\t', "tabs")] {
            if names[0].contains(sep) {
                return Err(vec![format!(
                    "the columns are separated by {what}; skolebro reads comma-separated files \
                     (in a spreadsheet: save as \"CSV UTF-8 (comma delimited)\")"
                )]);
            }
        }
    }
    let mut position = [None; 15];
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            // A column without a name (spreadsheets add them); its cells must stay empty.
            continue;
        }
        match Col::ALL.iter().find(|c| c.name() == name) {
            Some(col) => {
                if position[col.index()].is_some() {
                    reasons.push(format!("column {name:?} appears twice"));
                } else {
                    position[col.index()] = Some(i);
                }
            }
            None => reasons.push(format!(
                "unknown column {:?} (the columns are {})",
                name.chars().take(40).collect::<String>(),
                Col::ALL.map(Col::name).join(", ")
            )),
        }
    }
    for col in [Col::Type, Col::Key] {
        if position[col.index()].is_none() {
            reasons.push(format!(
                "missing column {:?}: the first line must name the columns (see docs/roster.md)",
                col.name()
            ));
        }
    }
    if reasons.is_empty() {
        Ok(Columns { position, names })
    } else {
        Err(reasons)
    }
}

enum Parsed {
    Class {
        key: String,
        name: String,
        grade: i64,
    },
    // Boxed: a person line is far larger than a class line.
    Person(Box<PersonRow>),
}

/// Why a line is bad, with what it named so that references to it are not reported again.
struct BadLine {
    reasons: Vec<String>,
    key: Option<String>,
    class_name: Option<String>,
}

/// Parses one line: `Ok(None)` for a line of empty cells.
fn parse_record(record: &csv::ByteRecord, columns: &Columns) -> Result<Option<Parsed>, BadLine> {
    // What a line names, read even when other cells are unreadable, so that a bad pupil line
    // does not also make every guardian line that refers to it bad.
    let raw = |col: Col| -> Option<&str> {
        let i = columns.position[col.index()]?;
        let text = std::str::from_utf8(record.get(i)?).ok()?.trim();
        (!text.is_empty()).then_some(text)
    };
    let fail = |reason: String| {
        let class = raw(Col::Type).and_then(Kind::parse) == Some(Kind::Class);
        BadLine {
            reasons: vec![reason],
            key: raw(Col::Key).filter(|_| !class).map(str::to_owned),
            class_name: class
                .then(|| raw(Col::Class).or(raw(Col::Key)))
                .flatten()
                .map(str::to_owned),
        }
    };
    let mut values = Vec::with_capacity(record.len());
    for (i, raw) in record.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(s) => values.push(s.trim().to_owned()),
            Err(_) => {
                return Err(fail(format!(
                    "not valid UTF-8 (column {}); {UTF8_HINT}",
                    columns.name_at(i)
                )))
            }
        }
    }
    if values.iter().all(String::is_empty) {
        return Ok(None);
    }
    if values.len() != columns.names.len() {
        return Err(fail(format!(
            "{} fields, but the header has {} (a value with a comma must be in double quotes)",
            values.len(),
            columns.names.len()
        )));
    }
    let mut reasons = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let name = columns.name_at(i);
        if columns.names.get(i).is_none_or(String::is_empty) && !v.is_empty() {
            reasons.push(format!(
                "a value in column {name}, which the header does not name"
            ));
        } else if v.chars().count() > MAX_FIELD_CHARS {
            reasons.push(format!(
                "{name} is longer than {MAX_FIELD_CHARS} characters"
            ));
        } else if v.chars().any(char::is_control) {
            reasons.push(format!("{name} contains a line break or control character"));
        }
    }
    let cells = Cells { columns, values };
    let key = cells.text(Col::Key).to_owned();
    let type_text = cells.text(Col::Type);
    let kind = if type_text.is_empty() {
        reasons.push("missing type (class, pupil, guardian, staff or leader)".into());
        None
    } else {
        let kind = Kind::parse(type_text);
        if kind.is_none() {
            reasons.push(format!(
                "unknown type {:?} (use class, pupil, guardian, staff or leader)",
                type_text.chars().take(40).collect::<String>()
            ));
        }
        kind
    };
    if key.is_empty() {
        reasons.push("missing key".into());
    }
    let row = match kind {
        None => None,
        Some(Kind::Class) => parse_class(&cells, &key, &mut reasons),
        Some(kind) => parse_person(&cells, kind, &key, &mut reasons),
    };
    match row {
        Some(row) if reasons.is_empty() => Ok(Some(row)),
        _ => {
            let class_name = (kind == Some(Kind::Class)).then(|| {
                let name = cells.text(Col::Class);
                if name.is_empty() { &key } else { name }.to_owned()
            });
            Err(BadLine {
                reasons,
                key: (kind != Some(Kind::Class) && !key.is_empty()).then_some(key),
                class_name,
            })
        }
    }
}

/// Columns that do not apply to a kind of line must be empty: a value there is usually a
/// shifted column.
fn unused(cells: &Cells<'_>, kind: Kind, cols: &[Col], reasons: &mut Vec<String>) {
    for col in cols {
        if !cells.text(*col).is_empty() {
            reasons.push(format!(
                "column {} is not used for a {}",
                col.name(),
                kind.as_str()
            ));
        }
    }
}

fn parse_class(cells: &Cells<'_>, key: &str, reasons: &mut Vec<String>) -> Option<Parsed> {
    unused(
        cells,
        Kind::Class,
        &[
            Col::GivenName,
            Col::FamilyName,
            Col::Pupils,
            Col::Username,
            Col::Email,
            Col::Phone,
            Col::Address,
            Col::Protected,
            Col::Language,
            Col::Interpreter,
            Col::Household,
        ],
        reasons,
    );
    let name = match cells.text(Col::Class) {
        "" => key,
        name => name,
    };
    if name.chars().count() > MAX_NAME_CHARS {
        reasons.push(format!(
            "the class name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.contains([';', '*', ':']) {
        reasons.push(format!(
            "bad class name {name:?}: it cannot contain ';', ':' or '*'"
        ));
    }
    let grade_text = cells.text(Col::Grade);
    let grade = if grade_text.is_empty() {
        reasons.push(format!("missing grade (a whole number 0 to {MAX_GRADE})"));
        None
    } else {
        match grade_text.parse::<i64>() {
            Ok(g) if (0..=MAX_GRADE).contains(&g) => Some(g),
            _ => {
                reasons.push(format!(
                    "bad grade {:?} (a whole number 0 to {MAX_GRADE})",
                    grade_text.chars().take(40).collect::<String>()
                ));
                None
            }
        }
    };
    Some(Parsed::Class {
        key: key.to_owned(),
        name: name.to_owned(),
        grade: grade?,
    })
}

fn parse_person(
    cells: &Cells<'_>,
    kind: Kind,
    key: &str,
    reasons: &mut Vec<String>,
) -> Option<Parsed> {
    unused(cells, kind, &[Col::Grade], reasons);
    if kind != Kind::Guardian {
        unused(cells, kind, &[Col::Pupils, Col::Household], reasons);
    }
    // Empty in a file that has the column: the first household.
    let household = match cells.get(Col::Household) {
        None => Update::Keep,
        Some("") => Update::Set(1),
        Some(v) => match v.parse::<i64>() {
            Ok(h @ 1..=2) => Update::Set(h),
            _ => {
                reasons.push(format!(
                    "bad household {:?} (1, or 2 for the child's second home)",
                    v.chars().take(40).collect::<String>()
                ));
                Update::Keep
            }
        },
    };
    let mut name = |col: Col| {
        let v = cells.text(col);
        if v.is_empty() {
            reasons.push(format!("missing {}", col.name()));
        } else if v.chars().count() > MAX_NAME_CHARS {
            reasons.push(format!(
                "{} is longer than {MAX_NAME_CHARS} characters",
                col.name()
            ));
        }
        v.to_owned()
    };
    let given_name = name(Col::GivenName);
    let family_name = name(Col::FamilyName);

    let username = match cells.text(Col::Username) {
        "" => None,
        raw => match skolebro_domain::text::username(raw) {
            Ok(u) => Some(u),
            Err(_) => {
                reasons.push(format!(
                    "bad username {:?}: use letters, digits, '.', '-', '_' and '@', at most \
                     {MAX_USERNAME_CHARS} characters",
                    raw.chars().take(40).collect::<String>()
                ));
                None
            }
        },
    };
    let email = cells.optional(Col::Email);
    if let Update::Set(Some(e)) = &email {
        if !plausible_email(e) {
            reasons.push(format!("bad email {e:?}"));
        }
    }
    let phone = cells.optional(Col::Phone);
    if let Update::Set(Some(p)) = &phone {
        if !plausible_phone(p) {
            reasons.push(format!(
                "bad phone {p:?} (digits, spaces and + - ( ) . / only)"
            ));
        }
    }
    let address = cells.optional(Col::Address);
    let protected = match cells.get(Col::Protected) {
        None => Update::Keep,
        Some(v) => match parse_bool(v) {
            Some(b) => Update::Set(b),
            None => {
                reasons.push(format!(
                    "bad value {:?} in protected (use yes or no, true or false, 1 or 0)",
                    v.chars().take(40).collect::<String>()
                ));
                Update::Keep
            }
        },
    };
    let language = match cells.text(Col::Language) {
        "" => None,
        v => match v.to_ascii_lowercase().parse::<Lang>() {
            Ok(l) => Some(l),
            Err(_) => {
                reasons.push(format!(
                    "bad language {:?} (use da, nb or en)",
                    v.chars().take(40).collect::<String>()
                ));
                None
            }
        },
    };
    let interpreter = match cells.get(Col::Interpreter) {
        None => Update::Keep,
        Some("") => Update::Set(None),
        Some(v) => match language_code(v) {
            Some(code) => Update::Set(Some(code)),
            None => {
                reasons.push(format!(
                    "bad interpreter language {:?} (a language code such as ar, so or uk)",
                    v.chars().take(40).collect::<String>()
                ));
                Update::Keep
            }
        },
    };

    let class_text = cells.text(Col::Class);
    let mut classes = Vec::new();
    let mut pupils = Vec::new();
    match kind {
        Kind::Pupil => {
            if class_text.is_empty() {
                reasons.push("missing class: a pupil needs the name of their class".into());
            } else if class_text.contains(';') {
                reasons.push(format!("a pupil has one class, not {class_text:?}"));
            } else {
                classes.push((class_text.to_owned(), false));
            }
        }
        Kind::Staff | Kind::Leader => {
            for item in class_text.split(';').map(str::trim) {
                if item.is_empty() {
                    continue;
                }
                let (name, contact) = match item.strip_suffix('*') {
                    Some(n) => (n.trim_end(), true),
                    None => (item, false),
                };
                if name.is_empty() {
                    reasons.push(format!("bad class {item:?} in class"));
                } else if classes.iter().any(|(n, _)| n == name) {
                    reasons.push(format!("class {name:?} is named twice"));
                } else {
                    classes.push((name.to_owned(), contact));
                }
            }
        }
        Kind::Guardian => {
            for item in cells.text(Col::Pupils).split(';').map(str::trim) {
                if item.is_empty() {
                    continue;
                }
                let (pupil, access) = match item.rsplit_once(':') {
                    None => (item, Some(Access::Full)),
                    Some((pupil, level)) => {
                        let access = level.trim().to_ascii_lowercase().parse::<Access>().ok();
                        if access.is_none() {
                            reasons.push(format!(
                                "bad access {:?} for pupil {:?} (use full, info or none)",
                                level.trim().chars().take(40).collect::<String>(),
                                pupil.trim()
                            ));
                        }
                        (pupil.trim_end(), access)
                    }
                };
                if pupil.is_empty() {
                    reasons.push(format!("missing pupil key in {item:?}"));
                } else if pupil == key {
                    reasons.push("a guardian cannot be their own pupil".into());
                } else if pupils.iter().any(|(k, _)| k == pupil) {
                    reasons.push(format!("pupil {pupil:?} is named twice"));
                } else if let Some(access) = access {
                    pupils.push((pupil.to_owned(), access));
                }
            }
            if pupils.is_empty() && reasons.is_empty() {
                reasons.push(
                    "a guardian needs at least one pupil in column pupils (P-1001:full;P-1002:info)"
                        .into(),
                );
            }
        }
        Kind::Class => {}
    }
    Some(Parsed::Person(Box::new(PersonRow {
        line: 0,
        kind,
        key: key.to_owned(),
        given_name,
        family_name,
        username,
        email,
        phone,
        address,
        protected,
        language,
        interpreter,
        classes,
        pupils,
        household,
    })))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "nej" | "nei" => Some(false),
        "yes" | "true" | "1" | "ja" => Some(true),
        _ => None,
    }
}

fn plausible_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !e.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn plausible_phone(p: &str) -> bool {
    p.chars().any(|c| c.is_ascii_digit())
        && p.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/'))
}

/// A language tag such as `ar`, `so`, `ckb` or `ar-IQ`, lower-cased.
fn language_code(v: &str) -> Option<String> {
    let v = v.to_ascii_lowercase();
    let mut parts = v.split('-');
    let primary = parts.next()?;
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase());
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    (primary_ok && rest_ok && v.len() <= 35).then_some(v)
}

// ---------------------------------------------------------------------------------------------
// Comparing with the database

/// The columns of a person the import sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonValues {
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub protected: bool,
    pub language: Option<String>,
    pub interpreter: Option<String>,
    pub interpreter_dialect: Option<String>,
    pub interpreter_gender: Option<String>,
}

/// A person of the school that came from a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingPerson {
    pub id: i64,
    pub values: PersonValues,
    pub roles: Vec<Role>,
    pub username: Option<String>,
}

/// What the school holds that a roster may refer to or change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// The classes of the current school year by name: (id, grade).
    pub classes: HashMap<String, (i64, i64)>,
    /// Persons by external key.
    pub persons: HashMap<String, ExistingPerson>,
    /// The usernames of the file that are taken, and by whom.
    pub usernames: HashMap<String, i64>,
    /// Each pupil's classes of the current school year.
    pub enrolments: HashMap<i64, Vec<i64>>,
    /// (guardian, pupil) → access.
    /// (guardian, pupil) → (access, household).
    pub guardianships: HashMap<(i64, i64), (Access, i64)>,
    /// (class, person) → contact teacher, for classes of the current school year.
    pub class_staff: HashMap<(i64, i64), bool>,
}

/// A class or person: already in the database, or made by this import (by name or key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Ref {
    Id(i64),
    New(String),
}

/// New, updated and unchanged records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} unchanged",
            self.new, self.updated, self.unchanged
        )
    }
}

/// What an import changes (or, in a dry run, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub classes: Counts,
    pub pupils: Counts,
    pub guardians: Counts,
    pub staff: Counts,
    pub leaders: Counts,
    pub guardianships: Counts,
    pub class_staff: Counts,
    pub accounts: u64,
}

impl ImportSummary {
    /// Whether the import changes nothing.
    pub fn is_unchanged(&self) -> bool {
        [
            self.classes,
            self.pupils,
            self.guardians,
            self.staff,
            self.leaders,
            self.guardianships,
            self.class_staff,
        ]
        .iter()
        .all(|c| c.new == 0 && c.updated == 0)
            && self.accounts == 0
    }

    fn line(&self) -> String {
        self.to_string().replace('\n', "; ")
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "classes: {}", self.classes)?;
        writeln!(f, "pupils: {}", self.pupils)?;
        writeln!(f, "guardians: {}", self.guardians)?;
        writeln!(f, "staff: {}", self.staff)?;
        writeln!(f, "leaders: {}", self.leaders)?;
        writeln!(f, "guardianships: {}", self.guardianships)?;
        writeln!(f, "class staff: {}", self.class_staff)?;
        write!(f, "accounts: {} new", self.accounts)
    }
}

/// What to write.
#[derive(Debug, Default)]
pub struct Plan {
    new_classes: Vec<(String, i64)>,
    class_grades: Vec<(i64, i64)>,
    new_persons: Vec<(String, PersonValues)>,
    changed_persons: Vec<(i64, PersonValues)>,
    roles: Vec<(Ref, Role)>,
    accounts: Vec<(Ref, String)>,
    unenrol: Vec<(i64, i64)>,
    enrol: Vec<(Ref, Ref)>,
    new_guardianships: Vec<(Ref, Ref, Access, i64)>,
    changed_guardianships: Vec<(i64, i64, Access, i64)>,
    new_class_staff: Vec<(Ref, Ref, bool)>,
    changed_class_staff: Vec<(i64, i64, bool)>,
    pub summary: ImportSummary,
    /// Things worth saying that do not stop the import.
    pub notes: Vec<LineError>,
}

/// A name that differs from `wanted` only in case, to suggest.
fn near<'a>(wanted: &str, names: impl Iterator<Item = &'a String>) -> String {
    let lower = wanted.to_lowercase();
    let mut found: Vec<&String> = names.filter(|n| n.to_lowercase() == lower).collect();
    found.sort();
    match found.first() {
        Some(n) => format!(" (did you mean {n:?}?)"),
        None => String::new(),
    }
}

/// Compares a parsed roster with what the school holds: what to write, or every line that
/// refers to something that does not exist.
pub fn plan(roster: &Roster, existing: &Existing) -> (Plan, Vec<LineError>) {
    let mut plan = Plan::default();
    let mut errors = Vec::new();

    // Classes.
    let mut file_classes: HashMap<&str, Ref> = HashMap::new();
    for c in &roster.classes {
        let r = match existing.classes.get(&c.name) {
            Some(&(id, grade)) => {
                if grade == c.grade {
                    plan.summary.classes.unchanged += 1;
                } else {
                    plan.summary.classes.updated += 1;
                    plan.class_grades.push((id, c.grade));
                }
                Ref::Id(id)
            }
            None => {
                plan.summary.classes.new += 1;
                plan.new_classes.push((c.name.clone(), c.grade));
                Ref::New(c.name.clone())
            }
        };
        file_classes.insert(c.name.as_str(), r);
    }
    let class_ref = |name: &str, line: u64, errors: &mut Vec<LineError>| -> Option<Ref> {
        if let Some(r) = file_classes.get(name) {
            return Some(r.clone());
        }
        if let Some(&(id, _)) = existing.classes.get(name) {
            return Some(Ref::Id(id));
        }
        if !roster.bad_classes.contains(name) {
            let all = roster
                .classes
                .iter()
                .map(|c| &c.name)
                .chain(existing.classes.keys());
            errors.push(LineError::new(
                line,
                format!(
                    "unknown class {name:?}: it is neither in the file nor a class of this school \
                     year{}",
                    near(name, all)
                ),
            ));
        }
        None
    };

    // Persons, as they will be referred to.
    let person_ref = |key: &str| match existing.persons.get(key) {
        Some(p) => Ref::Id(p.id),
        None => Ref::New(key.to_owned()),
    };
    let file_persons: HashMap<&str, &PersonRow> =
        roster.persons.iter().map(|p| (p.key.as_str(), p)).collect();

    for row in &roster.persons {
        let before = existing.persons.get(&row.key);
        let me = person_ref(&row.key);
        let mut updated = false;
        let mut wanted = before.map(|p| p.values.clone()).unwrap_or_default();
        let old_interpreter = wanted.interpreter.clone();
        wanted.given_name = row.given_name.clone();
        wanted.family_name = row.family_name.clone();
        wanted.email = row.email.clone().apply(wanted.email);
        wanted.phone = row.phone.clone().apply(wanted.phone);
        wanted.address = row.address.clone().apply(wanted.address);
        wanted.protected = row.protected.clone().apply(wanted.protected);
        // The person's own choice of language wins over the school's record of it.
        if wanted.language.is_none() {
            wanted.language = row.language.map(|l| l.as_str().to_owned());
        }
        wanted.interpreter = row.interpreter.clone().apply(wanted.interpreter);
        if wanted.interpreter != old_interpreter {
            // The dialect and gender belonged to the old need.
            wanted.interpreter_dialect = None;
            wanted.interpreter_gender = None;
        }
        match before {
            Some(p) => {
                if p.values != wanted {
                    updated = true;
                    plan.changed_persons.push((p.id, wanted));
                }
            }
            None => plan.new_persons.push((row.key.clone(), wanted)),
        }
        for role in row.kind.roles() {
            if before.is_none_or(|p| !p.roles.contains(role)) {
                updated = true;
                plan.roles.push((me.clone(), *role));
            }
        }
        if let Some(username) = &row.username {
            let owner = existing.usernames.get(username).copied();
            let mine = before.map(|p| p.id);
            match (before.and_then(|p| p.username.as_ref()), owner) {
                (Some(current), _) if current == username => {}
                (_, Some(owner)) if Some(owner) != mine => errors.push(LineError::new(
                    row.line,
                    format!("username {username:?} is already used by another person"),
                )),
                (Some(current), _) => plan.notes.push(LineError::new(
                    row.line,
                    format!(
                        "{:?} keeps the username {current:?}; an import does not change usernames",
                        row.key
                    ),
                )),
                (None, _) => {
                    updated = true;
                    plan.accounts.push((me.clone(), username.clone()));
                    plan.summary.accounts += 1;
                }
            }
        }

        match row.kind {
            Kind::Pupil => {
                for (name, _) in &row.classes {
                    let Some(class) = class_ref(name, row.line, &mut errors) else {
                        continue;
                    };
                    let current: &[i64] = before
                        .and_then(|p| existing.enrolments.get(&p.id))
                        .map_or(&[], Vec::as_slice);
                    let mut enrolled = false;
                    for &c in current {
                        if class == Ref::Id(c) {
                            enrolled = true;
                        } else if let Some(p) = before {
                            // One class per school year: the file says which.
                            plan.unenrol.push((c, p.id));
                            updated = true;
                        }
                    }
                    if !enrolled {
                        plan.enrol.push((class, me.clone()));
                        updated = true;
                    }
                }
            }
            Kind::Guardian => {
                for (key, access) in &row.pupils {
                    let pupil = match (file_persons.get(key.as_str()), existing.persons.get(key)) {
                        (Some(p), _) if p.kind == Kind::Pupil => person_ref(key),
                        (Some(p), _) => {
                            errors.push(LineError::new(
                                row.line,
                                format!(
                                    "{key:?} in pupils is not a pupil (line {} is a {})",
                                    p.line,
                                    p.kind.as_str()
                                ),
                            ));
                            continue;
                        }
                        (None, Some(p)) if p.roles.contains(&Role::Pupil) => Ref::Id(p.id),
                        (None, Some(_)) => {
                            errors.push(LineError::new(
                                row.line,
                                format!("{key:?} in pupils is not a pupil"),
                            ));
                            continue;
                        }
                        (None, None) => {
                            if !roster.bad_keys.contains(key) {
                                errors.push(LineError::new(
                                    row.line,
                                    format!(
                                        "unknown pupil key {key:?} in pupils: it is neither in \
                                         the file nor in the school"
                                    ),
                                ));
                            }
                            continue;
                        }
                    };
                    let c = &mut plan.summary.guardianships;
                    match (&me, &pupil) {
                        (Ref::Id(g), Ref::Id(p)) => match existing.guardianships.get(&(*g, *p)) {
                            Some(&(a, h)) => {
                                let household = row.household.clone().apply(h);
                                if a == *access && h == household {
                                    c.unchanged += 1;
                                } else {
                                    c.updated += 1;
                                    plan.changed_guardianships
                                        .push((*g, *p, *access, household));
                                }
                            }
                            None => {
                                c.new += 1;
                                let household = row.household.clone().apply(1);
                                plan.new_guardianships.push((
                                    me.clone(),
                                    pupil,
                                    *access,
                                    household,
                                ));
                            }
                        },
                        _ => {
                            c.new += 1;
                            let household = row.household.clone().apply(1);
                            plan.new_guardianships
                                .push((me.clone(), pupil, *access, household));
                        }
                    }
                }
            }
            Kind::Staff | Kind::Leader => {
                for (name, contact) in &row.classes {
                    let Some(class) = class_ref(name, row.line, &mut errors) else {
                        continue;
                    };
                    let c = &mut plan.summary.class_staff;
                    match (&class, &me) {
                        (Ref::Id(k), Ref::Id(p)) => match existing.class_staff.get(&(*k, *p)) {
                            Some(was) if was == contact => c.unchanged += 1,
                            Some(_) => {
                                c.updated += 1;
                                plan.changed_class_staff.push((*k, *p, *contact));
                            }
                            None => {
                                c.new += 1;
                                plan.new_class_staff.push((class, me.clone(), *contact));
                            }
                        },
                        _ => {
                            c.new += 1;
                            plan.new_class_staff.push((class, me.clone(), *contact));
                        }
                    }
                }
            }
            Kind::Class => {}
        }

        let counts = match row.kind {
            Kind::Pupil => &mut plan.summary.pupils,
            Kind::Guardian => &mut plan.summary.guardians,
            Kind::Staff => &mut plan.summary.staff,
            Kind::Leader | Kind::Class => &mut plan.summary.leaders,
        };
        if before.is_none() {
            counts.new += 1;
        } else if updated {
            counts.updated += 1;
        } else {
            counts.unchanged += 1;
        }
    }
    (plan, errors)
}

// ---------------------------------------------------------------------------------------------
// The database

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad lines, in line order; nothing was imported.
    #[error("{} bad line(s)", .0.len())]
    Lines(Vec<LineError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(StoreError::Db(e))
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub school_name: String,
    pub school_year: String,
    pub dry_run: bool,
    pub summary: ImportSummary,
    pub notes: Vec<LineError>,
}

fn flag(v: i64) -> bool {
    v != 0
}

async fn load_existing(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    year: &str,
    usernames: &[String],
) -> Result<Existing, ImportError> {
    let mut existing = Existing::default();
    for row in
        sqlx::query("SELECT id, name, grade FROM class WHERE school_id = $1 AND school_year = $2")
            .bind(school_id.0)
            .bind(year)
            .fetch_all(&mut *conn)
            .await?
    {
        existing.classes.insert(
            row.try_get("name")?,
            (row.try_get("id")?, row.try_get("grade")?),
        );
    }
    let mut by_id: HashMap<i64, String> = HashMap::new();
    for row in sqlx::query(
        "SELECT p.id, p.external_key, p.given_name, p.family_name, p.email, p.phone, p.address, \
         p.contact_protected, p.language, p.interpreter_language, p.interpreter_dialect, \
         p.interpreter_gender, a.username FROM person p \
         LEFT JOIN account a ON a.person_id = p.id \
         WHERE p.school_id = $1 AND p.external_key IS NOT NULL",
    )
    .bind(school_id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        let id: i64 = row.try_get("id")?;
        let key: String = row.try_get("external_key")?;
        by_id.insert(id, key.clone());
        existing.persons.insert(
            key,
            ExistingPerson {
                id,
                values: PersonValues {
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                    email: row.try_get("email")?,
                    phone: row.try_get("phone")?,
                    address: row.try_get("address")?,
                    protected: flag(row.try_get("contact_protected")?),
                    language: row.try_get("language")?,
                    interpreter: row.try_get("interpreter_language")?,
                    interpreter_dialect: row.try_get("interpreter_dialect")?,
                    interpreter_gender: row.try_get("interpreter_gender")?,
                },
                roles: Vec::new(),
                username: row.try_get("username")?,
            },
        );
    }
    for row in sqlx::query(
        "SELECT m.person_id, m.role FROM membership m JOIN person p ON p.id = m.person_id \
         WHERE p.school_id = $1 AND p.external_key IS NOT NULL",
    )
    .bind(school_id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        let id: i64 = row.try_get("person_id")?;
        let role: String = row.try_get("role")?;
        let role: Role = role
            .parse()
            .map_err(|e| StoreError::Other(format!("bad stored value: {e}")))?;
        if let Some(p) = by_id.get(&id).and_then(|k| existing.persons.get_mut(k)) {
            p.roles.push(role);
        }
    }
    for row in sqlx::query(
        "SELECT e.pupil_id, e.class_id FROM enrolment e JOIN class c ON c.id = e.class_id \
         WHERE c.school_id = $1 AND c.school_year = $2",
    )
    .bind(school_id.0)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        existing
            .enrolments
            .entry(row.try_get("pupil_id")?)
            .or_default()
            .push(row.try_get("class_id")?);
    }
    for row in sqlx::query(
        "SELECT guardian_id, pupil_id, access, household FROM guardianship \
             WHERE school_id = $1",
    )
    .bind(school_id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        let access: String = row.try_get("access")?;
        let access: Access = access
            .parse()
            .map_err(|e| StoreError::Other(format!("bad stored value: {e}")))?;
        existing.guardianships.insert(
            (row.try_get("guardian_id")?, row.try_get("pupil_id")?),
            (access, row.try_get("household")?),
        );
    }
    for row in sqlx::query(
        "SELECT cs.class_id, cs.person_id, cs.contact_teacher FROM class_staff cs \
         JOIN class c ON c.id = cs.class_id WHERE c.school_id = $1 AND c.school_year = $2",
    )
    .bind(school_id.0)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?
    {
        existing.class_staff.insert(
            (row.try_get("class_id")?, row.try_get("person_id")?),
            flag(row.try_get("contact_teacher")?),
        );
    }
    // Usernames are unique across the whole database, not only this school.
    for chunk in usernames.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT username, person_id FROM account WHERE username IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for u in chunk {
            q = q.bind(u.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            existing
                .usernames
                .insert(row.try_get("username")?, row.try_get("person_id")?);
        }
    }
    Ok(existing)
}

fn person_row(school_id: i64, key: &str, v: &PersonValues, at: i64) -> Vec<Val> {
    vec![
        school_id.into(),
        key.into(),
        v.given_name.clone().into(),
        v.family_name.clone().into(),
        v.email.clone().into(),
        v.phone.clone().into(),
        v.address.clone().into(),
        (v.protected as i64).into(),
        v.language.clone().into(),
        v.interpreter.clone().into(),
        v.interpreter_dialect.clone().into(),
        v.interpreter_gender.clone().into(),
        at.into(),
    ]
}

async fn apply(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    year: &str,
    plan: &Plan,
) -> Result<(), ImportError> {
    let school = school_id.0;
    let t = now();

    let mut class_ids: HashMap<&str, i64> = HashMap::new();
    for (name, grade) in &plan.new_classes {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO class (school_id, name, grade, school_year) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(school)
        .bind(name.as_str())
        .bind(*grade)
        .bind(year)
        .fetch_one(&mut *conn)
        .await?;
        class_ids.insert(name.as_str(), id);
    }
    for (id, grade) in &plan.class_grades {
        sqlx::query("UPDATE class SET grade = $1 WHERE id = $2 AND school_id = $3")
            .bind(*grade)
            .bind(*id)
            .bind(school)
            .execute(&mut *conn)
            .await?;
    }

    let rows: Vec<Vec<Val>> = plan
        .new_persons
        .iter()
        .map(|(key, v)| person_row(school, key, v, t))
        .collect();
    insert_rows(
        conn,
        "person",
        &[
            "school_id",
            "external_key",
            "given_name",
            "family_name",
            "email",
            "phone",
            "address",
            "contact_protected",
            "language",
            "interpreter_language",
            "interpreter_dialect",
            "interpreter_gender",
            "created_at",
        ],
        &rows,
    )
    .await?;
    let mut person_ids: HashMap<String, i64> = HashMap::new();
    if !plan.new_persons.is_empty() {
        let new: HashSet<&str> = plan.new_persons.iter().map(|(k, _)| k.as_str()).collect();
        for row in sqlx::query(
            "SELECT id, external_key FROM person WHERE school_id = $1 AND external_key IS NOT NULL",
        )
        .bind(school)
        .fetch_all(&mut *conn)
        .await?
        {
            let key: String = row.try_get("external_key")?;
            if new.contains(key.as_str()) {
                person_ids.insert(key, row.try_get("id")?);
            }
        }
    }
    for (id, v) in &plan.changed_persons {
        sqlx::query(
            "UPDATE person SET given_name = $1, family_name = $2, email = $3, phone = $4, \
             address = $5, contact_protected = $6, language = $7, interpreter_language = $8, \
             interpreter_dialect = $9, interpreter_gender = $10 \
             WHERE id = $11 AND school_id = $12",
        )
        .bind(v.given_name.as_str())
        .bind(v.family_name.as_str())
        .bind(v.email.as_deref())
        .bind(v.phone.as_deref())
        .bind(v.address.as_deref())
        .bind(v.protected as i64)
        .bind(v.language.as_deref())
        .bind(v.interpreter.as_deref())
        .bind(v.interpreter_dialect.as_deref())
        .bind(v.interpreter_gender.as_deref())
        .bind(*id)
        .bind(school)
        .execute(&mut *conn)
        .await?;
    }

    let missing = |what: &str, name: &str| {
        ImportError::Store(StoreError::Other(format!(
            "the new {what} {name:?} was not found after it was written"
        )))
    };
    let person = |r: &Ref| -> Result<i64, ImportError> {
        match r {
            Ref::Id(id) => Ok(*id),
            Ref::New(key) => person_ids
                .get(key)
                .copied()
                .ok_or_else(|| missing("person", key)),
        }
    };
    let class = |r: &Ref| -> Result<i64, ImportError> {
        match r {
            Ref::Id(id) => Ok(*id),
            Ref::New(name) => class_ids
                .get(name.as_str())
                .copied()
                .ok_or_else(|| missing("class", name)),
        }
    };

    let rows = plan
        .roles
        .iter()
        .map(|(p, role)| Ok(vec![school.into(), person(p)?.into(), role.as_str().into()]))
        .collect::<Result<Vec<_>, ImportError>>()?;
    insert_rows(
        conn,
        "membership",
        &["school_id", "person_id", "role"],
        &rows,
    )
    .await?;

    if !plan.accounts.is_empty() {
        // Nobody knows this password: the person gets one from `skolebro user set-password`.
        // A real hash (not a marker) keeps sign-in attempts on these accounts as slow as any.
        let secret = random_token();
        let hash = tokio::task::spawn_blocking(move || hash_password(&secret))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        let rows = plan
            .accounts
            .iter()
            .map(|(p, username)| {
                Ok(vec![
                    person(p)?.into(),
                    username.as_str().into(),
                    hash.as_str().into(),
                    t.into(),
                ])
            })
            .collect::<Result<Vec<_>, ImportError>>()?;
        insert_rows(
            conn,
            "account",
            &[
                "person_id",
                "username",
                "password_hash",
                "password_changed_at",
            ],
            &rows,
        )
        .await?;
    }

    for (class_id, pupil_id) in &plan.unenrol {
        sqlx::query(
            "DELETE FROM enrolment WHERE class_id = $1 AND pupil_id = $2 AND school_id = $3",
        )
        .bind(*class_id)
        .bind(*pupil_id)
        .bind(school)
        .execute(&mut *conn)
        .await?;
    }
    let rows = plan
        .enrol
        .iter()
        .map(|(c, p)| Ok(vec![school.into(), class(c)?.into(), person(p)?.into()]))
        .collect::<Result<Vec<_>, ImportError>>()?;
    insert_rows(
        conn,
        "enrolment",
        &["school_id", "class_id", "pupil_id"],
        &rows,
    )
    .await?;

    let rows = plan
        .new_guardianships
        .iter()
        .map(|(g, p, access, household)| {
            Ok(vec![
                school.into(),
                person(g)?.into(),
                person(p)?.into(),
                access.as_str().into(),
                (*household).into(),
            ])
        })
        .collect::<Result<Vec<_>, ImportError>>()?;
    insert_rows(
        conn,
        "guardianship",
        &[
            "school_id",
            "guardian_id",
            "pupil_id",
            "access",
            "household",
        ],
        &rows,
    )
    .await?;
    for (g, p, access, household) in &plan.changed_guardianships {
        sqlx::query(
            "UPDATE guardianship SET access = $1, household = $5 WHERE guardian_id = $2 \
             AND pupil_id = $3 AND school_id = $4",
        )
        .bind(access.as_str())
        .bind(*g)
        .bind(*p)
        .bind(school)
        .bind(*household)
        .execute(&mut *conn)
        .await?;
    }

    let rows = plan
        .new_class_staff
        .iter()
        .map(|(c, p, contact)| {
            Ok(vec![
                school.into(),
                class(c)?.into(),
                person(p)?.into(),
                (*contact as i64).into(),
            ])
        })
        .collect::<Result<Vec<_>, ImportError>>()?;
    insert_rows(
        conn,
        "class_staff",
        &["school_id", "class_id", "person_id", "contact_teacher"],
        &rows,
    )
    .await?;
    for (c, p, contact) in &plan.changed_class_staff {
        sqlx::query(
            "UPDATE class_staff SET contact_teacher = $1 WHERE class_id = $2 AND person_id = $3 \
             AND school_id = $4",
        )
        .bind(*contact as i64)
        .bind(*c)
        .bind(*p)
        .bind(school)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Imports a roster file into a school's current school year, all or nothing. `source`
    /// names the file in the audit log. With `dry_run` everything runs and is rolled back.
    pub async fn import_roster(
        &self,
        school_id: SchoolId,
        source: &str,
        csv: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport, ImportError> {
        let school = self.school(school_id).await?;
        let zone = jiff::tz::TimeZone::get(&school.time_zone)
            .map_err(|e| StoreError::Other(format!("the school's time zone: {e}")))?;
        let year = school_year(crate::clock::now().to_zoned(zone).date());

        let (roster, mut errors) = parse(csv);
        let mut tx = self.write.begin().await?;
        // Take the write lock now: a second import of the same school waits for this one
        // (PostgreSQL locks the row; SQLite the database), and SQLite never has to upgrade a
        // read transaction that another writer overtook.
        sqlx::query("UPDATE school SET name = name WHERE id = $1")
            .bind(school_id.0)
            .execute(&mut *tx)
            .await?;
        let existing = load_existing(&mut tx, school_id, &year, &roster.usernames()).await?;
        let (plan, more) = plan(&roster, &existing);
        errors.extend(more);
        if !errors.is_empty() {
            tx.rollback().await?;
            errors.sort_by_key(|e| e.line);
            return Err(ImportError::Lines(errors));
        }
        apply(&mut tx, school_id, &year, &plan).await?;
        let detail = format!(
            "{}, school year {year}: {}",
            source.chars().take(200).collect::<String>(),
            plan.summary.line()
        );
        audit_in(
            &mut tx,
            &AuditRow {
                school_id,
                actor_id: None,
                action: "import",
                record_type: "roster",
                record_id: school_id.0,
                detail: Some(&detail),
            },
        )
        .await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
            self.refresh_statistics().await?;
        }
        Ok(ImportReport {
            school_name: school.name,
            school_year: year,
            dry_run,
            summary: plan.summary,
            notes: plan.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "type,key,given_name,family_name,class,grade,pupils,username,email,phone,address,protected,language,interpreter\n";

    fn parse_ok(body: &str) -> Roster {
        let (roster, errors) = parse(format!("{HEADER}{body}").as_bytes());
        assert_eq!(errors, vec![], "no errors expected");
        roster
    }

    fn errors_of(body: &str) -> Vec<String> {
        parse(format!("{HEADER}{body}").as_bytes())
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn has(errors: &[String], line: u64, part: &str) -> bool {
        errors
            .iter()
            .any(|e| e.starts_with(&format!("line {line}: ")) && e.contains(part))
    }

    const GOOD: &str = "\
class,7.A,,,7.A,7,,,,,,,,
class,7.B,,,,7,,,,,,,,
pupil,P-1,Ida,Jensen,7.A,,,,,,,,,
pupil,P-2,Noah,Hansen,7.B,,,pupil2,,,,,,
guardian,G-1,Mette,Jensen,,,P-1:full;P-2:info,,mette@example.dk,+45 20 30 40 50,\"Skolevej 1, 8000 Aarhus\",yes,en,ar
guardian,G-2,Anders,Hansen,,,P-2,,,,,,,
staff,T-1,Signe,Lund,,,,,,,,,,
staff,T-2,Jens,Berg,7.A*;7.B,,,teacher2,jens@example.dk,,,,,
leader,L-1,Rita,Rektor,,,,rektor,,,,,,
";

    #[test]
    fn a_good_file_parses_into_rows() {
        let r = parse_ok(GOOD);
        assert_eq!(r.classes.len(), 2);
        assert_eq!(
            r.classes[1].name, "7.B",
            "an empty class column means the key"
        );
        assert_eq!(r.classes[0].line, 2);
        assert_eq!(r.persons.len(), 7);
        let g = &r.persons[2];
        assert_eq!(g.kind, Kind::Guardian);
        assert_eq!(g.line, 6);
        assert_eq!(
            g.pupils,
            vec![("P-1".into(), Access::Full), ("P-2".into(), Access::Info)]
        );
        assert_eq!(g.protected, Update::Set(true));
        assert_eq!(g.language, Some(Lang::En));
        assert_eq!(g.interpreter, Update::Set(Some("ar".into())));
        assert_eq!(
            g.address,
            Update::Set(Some("Skolevej 1, 8000 Aarhus".into()))
        );
        assert_eq!(r.persons[3].pupils, vec![("P-2".into(), Access::Full)]);
        assert_eq!(
            r.persons[5].classes,
            vec![("7.A".into(), true), ("7.B".into(), false)]
        );
        assert_eq!(r.persons[5].username.as_deref(), Some("teacher2"));
        assert_eq!(r.persons[4].classes, vec![], "staff may teach no class");
    }

    #[test]
    fn columns_may_come_in_any_order_and_absent_ones_are_kept() {
        let (r, errors) = parse(
            b"\xEF\xBB\xBFKey,Type,given_name,family_name,class\r\nP-1,pupil,Ida,Jensen,7.A\r\n",
        );
        assert_eq!(errors, vec![]);
        let p = &r.persons[0];
        assert_eq!(p.key, "P-1");
        assert_eq!(p.email, Update::Keep);
        assert_eq!(p.protected, Update::Keep);
        assert_eq!(p.interpreter, Update::Keep);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let e = errors_of(
            "\
teacher,X-1,A,B,,,,,,,,,,
pupil,,Ida,Jensen,7.A,,,,,,,,,
pupil,P-2,,Jensen,7.A,,,,,,,,,
class,8.A,,,,11,,,,,,,,
guardian,G-1,A,B,,,P-1:owner,,,,,,,
guardian,G-2,A,B,,,P-1,,,,,maybe,,
guardian,G-3,A,B,,,P-1,,,,,,fr,
guardian,G-4,A,B,,,P-1,,,,,,,arabic language
pupil,P-5,Ida,Jensen
pupil,P-6,Ida,Jensen,7.A,,,,not-an-email,,,,,
guardian,G-7,A,B,,,,,,,,,,
",
        );
        assert!(has(&e, 2, "unknown type \"teacher\""), "{e:?}");
        assert!(has(&e, 3, "missing key"), "{e:?}");
        assert!(has(&e, 4, "missing given_name"), "{e:?}");
        assert!(has(&e, 5, "bad grade \"11\""), "{e:?}");
        assert!(has(&e, 6, "bad access \"owner\""), "{e:?}");
        assert!(has(&e, 7, "bad value \"maybe\" in protected"), "{e:?}");
        assert!(has(&e, 8, "bad language \"fr\""), "{e:?}");
        assert!(has(&e, 9, "bad interpreter language"), "{e:?}");
        assert!(has(&e, 10, "4 fields, but the header has 14"), "{e:?}");
        assert!(has(&e, 11, "bad email"), "{e:?}");
        assert!(has(&e, 12, "at least one pupil"), "{e:?}");
        assert_eq!(e.len(), 11, "one problem per line: {e:?}");
    }

    #[test]
    fn duplicates_name_the_first_line() {
        let e = errors_of(
            "\
class,7.A,,,,7,,,,,,,,
class,7.A,,,7.B,7,,,,,,,,
class,7.C,,,7.B,7,,,,,,,,
pupil,P-1,Ida,Jensen,7.A,,,ida,,,,,,
guardian,P-1,Mette,Jensen,,,P-9,,,,,,,
pupil,P-2,Ida,Jensen,7.A,,,IDA,,,,,,
staff,T-1,A,B,7.A;7.A*,,,,,,,,,
guardian,G-1,A,B,,,P-1;P-1:info,,,,,,,
",
        );
        assert!(
            has(&e, 3, "duplicate class key \"7.A\" (also on line 2)"),
            "{e:?}"
        );
        assert!(
            has(&e, 4, "duplicate class \"7.B\" (also on line 3)"),
            "{e:?}"
        );
        assert!(
            has(&e, 6, "duplicate key \"P-1\" (also on line 5)"),
            "{e:?}"
        );
        assert!(
            has(&e, 7, "duplicate username \"ida\" (also on line 5)"),
            "{e:?}"
        );
        assert!(has(&e, 8, "named twice"), "{e:?}");
        assert!(has(&e, 9, "named twice"), "{e:?}");
    }

    #[test]
    fn invalid_utf8_and_long_fields_are_line_errors() {
        let mut file = HEADER.as_bytes().to_vec();
        file.extend_from_slice(b"pupil,P-1,S\xF8ren,Jensen,7.A,,,,,,,,,\n");
        file.extend_from_slice(
            format!("pupil,P-2,Ida,Jensen,7.A,,,,,,{},,,\n", "x".repeat(201)).as_bytes(),
        );
        file.extend_from_slice(
            format!("pupil,P-3,{},Jensen,7.A,,,,,,,,,\n", "y".repeat(101)).as_bytes(),
        );
        file.extend_from_slice(b"pupil,P-4,\"Ida\nMaria\",Jensen,7.A,,,,,,,,,\n");
        file.extend_from_slice(b"pupil,P-5,Ida,Jensen,7.A,,,,,,,,,,extra\n");
        let (_, errors) = parse(&file);
        let e: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(has(&e, 2, "not valid UTF-8 (column given_name)"), "{e:?}");
        assert!(has(&e, 3, "address is longer than 200 characters"), "{e:?}");
        assert!(
            has(&e, 4, "given_name is longer than 100 characters"),
            "{e:?}"
        );
        assert!(has(&e, 5, "line break"), "{e:?}");
        assert!(
            has(&e, 7, "15 fields, but the header has 14"),
            "a quoted line break moves the next line: {e:?}"
        );
    }

    #[test]
    fn a_bad_line_is_not_reported_again_where_it_is_referred_to() {
        let mut file = HEADER.as_bytes().to_vec();
        file.extend_from_slice(b"class,7.B,,,,7,,,,,,,,,\n");
        file.extend_from_slice(b"pupil,P-1,S\xF8ren,Jensen,7.B,,,,,,,,,\n");
        file.extend_from_slice(b"guardian,G-1,Mette,Jensen,,,P-1,,,,,,,\n");
        let (roster, errors) = parse(&file);
        let (_, more) = plan(&roster, &Existing::default());
        let lines: Vec<u64> = errors.iter().chain(&more).map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3], "{errors:?} {more:?}");
    }

    #[test]
    fn header_problems_stop_at_line_one() {
        let (_, e) = parse(b"");
        assert_eq!(e[0].line, 1);
        assert!(e[0].reason.contains("empty"));
        let (_, e) = parse(b"type;key;given_name\npupil;P-1;Ida\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].reason.contains("semicolons"), "{e:?}");
        let (_, e) = parse(b"type,key,colour,key\n");
        let reasons: Vec<&str> = e.iter().map(|e| e.reason.as_str()).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("unknown column \"colour\"")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("\"key\" appears twice")),
            "{reasons:?}"
        );
        let (_, e) = parse(b"given_name,family_name\nIda,Jensen\n");
        assert!(e.iter().all(|e| e.line == 1) && e.len() == 2, "{e:?}");
    }

    #[test]
    fn blank_lines_and_unnamed_empty_columns_are_ignored() {
        let (r, e) = parse(b"type,key,given_name,family_name,class,\n\n,,,,,\npupil,P-1,Ida,Jensen,7.A,\npupil,P-2,Ida,Jensen,7.A,oops\n");
        assert_eq!(r.persons.len(), 1);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 5);
        assert!(e[0].reason.contains("does not name"), "{e:?}");
    }

    #[test]
    fn columns_that_do_not_apply_must_be_empty() {
        let e = errors_of("class,7.A,Ida,,,7,,,,,,,,\npupil,P-1,Ida,Jensen,7.A,3,,,,,,,,\n");
        assert!(
            has(&e, 2, "column given_name is not used for a class"),
            "{e:?}"
        );
        assert!(has(&e, 3, "column grade is not used for a pupil"), "{e:?}");
    }

    fn existing_school() -> Existing {
        let mut e = Existing::default();
        e.classes.insert("7.A".into(), (10, 7));
        e.persons.insert(
            "P-1".into(),
            ExistingPerson {
                id: 100,
                values: PersonValues {
                    given_name: "Ida".into(),
                    family_name: "Jensen".into(),
                    ..Default::default()
                },
                roles: vec![Role::Pupil],
                username: None,
            },
        );
        e.persons.insert(
            "G-1".into(),
            ExistingPerson {
                id: 200,
                values: PersonValues {
                    given_name: "Mette".into(),
                    family_name: "Jensen".into(),
                    email: Some("mette@example.dk".into()),
                    language: Some("da".into()),
                    ..Default::default()
                },
                roles: vec![Role::Guardian],
                username: Some("mette".into()),
            },
        );
        e.enrolments.insert(100, vec![10]);
        e.guardianships.insert((200, 100), (Access::Full, 1));
        e.usernames.insert("taken".into(), 999);
        e
    }

    #[test]
    fn references_must_exist_in_the_file_or_the_school() {
        let (roster, errors) = parse(
            format!(
                "{HEADER}\
pupil,P-2,Noah,Hansen,7.a,,,,,,,,,
pupil,P-3,Noah,Hansen,9.Z,,,,,,,,,
guardian,G-2,A,B,,,P-1;P-9;G-1,,,,,,,
staff,T-1,A,B,7.A*;8.B,,,taken,,,,,,
class,8.B,,,,eight,,,,,,,,
"
            )
            .as_bytes(),
        );
        let (_, more) = plan(&roster, &existing_school());
        let e: Vec<String> = errors
            .iter()
            .chain(&more)
            .map(ToString::to_string)
            .collect();
        assert!(has(&e, 2, "unknown class \"7.a\""), "{e:?}");
        assert!(has(&e, 2, "did you mean \"7.A\""), "{e:?}");
        assert!(has(&e, 3, "unknown class \"9.Z\""), "{e:?}");
        assert!(has(&e, 4, "unknown pupil key \"P-9\""), "{e:?}");
        assert!(has(&e, 4, "\"G-1\" in pupils is not a pupil"), "{e:?}");
        assert!(has(&e, 5, "username \"taken\" is already used"), "{e:?}");
        assert!(has(&e, 6, "bad grade"), "{e:?}");
        assert!(
            !has(&e, 5, "unknown class \"8.B\""),
            "a bad class line is reported once: {e:?}"
        );
    }

    #[test]
    fn the_plan_adds_updates_and_leaves_alone() {
        let roster = parse_ok(
            "\
class,7.A,,,,7,,,,,,,,
class,8.A,,,,8,,,,,,,,
pupil,P-1,Ida,Jensen,8.A,,,,,,,,,
pupil,P-2,Noah,Hansen,7.A,,,noah,,,,,,
guardian,G-1,Mette,Jensen,,,P-1;P-2:info,mette,mette@example.dk,,,,en,
",
        );
        let (plan, errors) = plan(&roster, &existing_school());
        assert_eq!(errors, vec![]);
        let s = &plan.summary;
        assert_eq!(
            s.classes,
            Counts {
                new: 1,
                updated: 0,
                unchanged: 1
            }
        );
        assert_eq!(
            s.pupils,
            Counts {
                new: 1,
                updated: 1,
                unchanged: 0
            },
            "P-1 moves to 8.A"
        );
        assert_eq!(plan.unenrol, vec![(10, 100)]);
        assert_eq!(
            s.guardians,
            Counts {
                new: 0,
                updated: 0,
                unchanged: 1
            },
            "own language choice kept"
        );
        assert_eq!(
            s.guardianships,
            Counts {
                new: 1,
                updated: 0,
                unchanged: 1
            }
        );
        assert_eq!(s.accounts, 1);
        assert!(plan.changed_persons.is_empty());
    }

    #[test]
    fn a_household_column_moves_a_guardian_to_the_second_home() {
        let with = |body: &str| {
            let header = HEADER.replace("interpreter\n", "interpreter,household\n");
            parse(format!("{header}{body}").as_bytes())
        };
        let (roster, errors) = with("guardian,G-1,Mette,Jensen,,,P-1,mette,,,,,,,2\n");
        assert_eq!(errors, vec![]);
        let (plan, errors) = plan(&roster, &existing_school());
        assert_eq!(errors, vec![]);
        assert_eq!(plan.summary.guardianships.updated, 1);
        assert_eq!(
            plan.changed_guardianships,
            vec![(200, 100, Access::Full, 2)]
        );
        // Without the column, the household stays as it is.
        let roster = parse_ok("guardian,G-1,Mette,Jensen,,,P-1,mette,mette@example.dk,,,,,\n");
        let (unchanged, _) = super::plan(&roster, &existing_school());
        assert!(unchanged.changed_guardianships.is_empty());
        // Only 1 or 2, and only for guardians.
        let (_, errors) = with("guardian,G-1,Mette,Jensen,,,P-1,mette,,,,,,,3\n");
        assert!(
            errors[0].reason.contains("bad household \"3\""),
            "{errors:?}"
        );
        let (_, errors) = with("pupil,P-9,Ida,Jensen,1.A,,,,,,,,,,2\n");
        assert!(
            errors[0].reason.contains("column household is not used"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_changed_field_updates_and_a_different_username_is_a_note() {
        let roster = parse_ok("guardian,G-1,Mette,Jensen-Berg,,,P-1:info,mette2,,,,yes,,ar\n");
        let (plan, errors) = plan(&roster, &existing_school());
        assert_eq!(errors, vec![]);
        assert_eq!(plan.summary.guardians.updated, 1);
        assert_eq!(plan.summary.guardianships.updated, 1);
        assert_eq!(plan.summary.accounts, 0);
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0]
            .reason
            .contains("keeps the username \"mette\""));
        let (id, v) = &plan.changed_persons[0];
        assert_eq!(*id, 200);
        assert_eq!(v.family_name, "Jensen-Berg");
        assert_eq!(v.email, None, "an empty cell clears");
        assert!(v.protected);
        assert_eq!(v.interpreter.as_deref(), Some("ar"));
    }

    #[test]
    fn another_persons_username_is_an_error_even_for_a_person_with_an_account() {
        let roster = parse_ok("guardian,G-1,Mette,Jensen,,,P-1,taken,,,,,,\n");
        let (plan, errors) = plan(&roster, &existing_school());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].reason.contains("\"taken\" is already used"));
        assert!(plan.notes.is_empty());
    }

    #[test]
    fn language_codes_and_booleans() {
        assert_eq!(language_code("AR"), Some("ar".into()));
        assert_eq!(language_code("ckb"), Some("ckb".into()));
        assert_eq!(language_code("ar-IQ"), Some("ar-iq".into()));
        assert_eq!(language_code("arabic"), None);
        assert_eq!(language_code("a"), None);
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool(""), Some(false));
        assert_eq!(parse_bool("2"), None);
        assert!(plausible_email("a@b.dk"));
        assert!(!plausible_email("a@b"));
        assert!(!plausible_email("a b@c.dk"));
        assert!(plausible_phone("+45 (20) 30-40.50"));
        assert!(!plausible_phone("call me"));
    }
}
