//! Keyset paging: a list that is read a page at a time, newest first, hands out the key of
//! its last row as a cursor, and the next page starts after it. Cost O(page) however long the
//! list, and nothing is skipped or repeated when rows arrive in between.

/// The position after which the next page starts: the last row's ordering key (a time, a day
/// number) and its id, which breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    /// Before every row of a list newest first: its first page.
    pub const START: Cursor = Cursor {
        key: i64::MAX,
        id: i64::MAX,
    };
    /// Before every row of a list oldest first (a calendar): its first page.
    pub const LOWEST: Cursor = Cursor {
        key: i64::MIN,
        id: i64::MIN,
    };

    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    /// `None` for anything that is not a cursor this module wrote.
    pub fn decode(raw: &str) -> Option<Cursor> {
        let (key, id) = raw.split_once('.')?;
        let cursor = Cursor {
            key: key.parse().ok()?,
            id: id.parse().ok()?,
        };
        // `+5`, `05` and `-0` read as numbers too, but this module never writes them.
        (cursor.encode() == raw).then_some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_cursor_the_list_wrote_is_read() {
        let c = Cursor {
            key: 1_700_000_000,
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(
            Cursor::decode(&Cursor { key: -3, id: 7 }.encode()),
            Some(Cursor { key: -3, id: 7 })
        );
        for other in [
            "+1700000000.42",
            "01700000000.42",
            "1700000000.+42",
            "-0.1",
            "1.2.3",
            "",
            "1",
            "a.b",
            "1;2",
        ] {
            assert_eq!(Cursor::decode(other), None, "{other:?}");
        }
    }
}
