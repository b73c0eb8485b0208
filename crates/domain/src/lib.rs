//! skolebro's domain: the types, rules and policies of school-home collaboration.
//!
//! Pure code only: no I/O, no async, no clock. Everything here is unit-tested on its own, and the
//! store and web layers build on these types.

pub mod absence;
pub mod access;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod conferences;
pub mod contact_book;
pub mod contact_hours;
pub mod files;
pub mod meetings;
pub mod messages;
pub mod notify;
pub mod paging;
pub mod people;
pub mod posts;
pub mod profile;
pub mod text;
pub mod tone;
// Reliability and security.
pub mod limits;

pub use access::{may, Action, Actor, Resource};
pub use people::{Access, ClassId, Country, Lang, PersonId, Role, SchoolId};
