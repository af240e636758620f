//! Advanced search: the query model, its text form, evaluation and the live membership of saved searches.
//!
//! Owns what a search means: which filters exist (campaign, folder/status, viewed / clicked / replied,
//! dates, person fields, subject text), how they combine (AND, OR, NOT), the text a rep reads and types
//! (`campaign:"Q4 launch" viewed clicked -replied`), how a search is answered over an in-memory
//! [`SearchIndex`] of emails, people, campaigns and per-email engagement, and which saved searches a person
//! enters or leaves when one record changes ([`SavedSearches::update`]).
//!
//! It must not do IO, read a clock, make randomness or store anything, and it does not decide how engagement
//! is counted: it reads each email's [`EmailEngagement`] as [`crate::aggregate`] computed it (human views and
//! clicks, replies).
//!
//! # Emails or people
//!
//! A search is always a question about one email at a time. Asked for emails, it gives the emails that
//! match. Asked for people, it gives every person with **at least one** matching email: so
//! `campaign:"Q4 launch" viewed clicked -replied` gives the people who have an email of that campaign that was
//! viewed and clicked but not replied to. An email reaches its person through [`Email::person`], or, when
//! that is empty, through the person whose address is the recipient's.
//!
//! # Text form
//!
//! ```text
//! query   := or?                        empty: every email
//! or      := and ( "OR" and )*
//! and     := unary ( "AND"? unary )*    juxtaposition is AND
//! unary   := ( "-" | "NOT" ) unary | "(" or? ")" | term
//! term    := viewed | clicked | replied                      at least once
//!          | (viewed|clicked|replied) ":" ( "yes" | "no" )
//!          | (viewed|clicked|replied) ( ">=" | ">" ) N
//!          | campaign:NAME | campaign_id:UUID
//!          | folder:MAIN/SUB | folder:MAIN | status:STATUS
//!          | (created|sent|scheduled|failed) ":" DATES
//!          | name:TEXT | company:TEXT | domain:DOMAIN | tag:TAG | subject:TEXT
//! DATES   := YYYY-MM-DD ".." YYYY-MM-DD  (from inclusive, to exclusive; either side may be left out)
//!          | YYYY-MM-DD                  (that one day)
//! value   := bare text without spaces, quotes or parentheses | "quoted \"text\" with \\ escapes"
//! ```
//!
//! Keys and the words `OR`, `AND`, `NOT` are case-insensitive; dates are days in UTC.
//!
//! # Where each part lives
//!
//! `query.rs` the query model and a builder's conditions; `print.rs` the text form a query prints as;
//! `parse.rs` reading that text back; `eval.rs` a query compiled for the index and whether one email
//! matches it; `index.rs` the index of emails, people and campaigns, kept up to date one record at a time;
//! `saved.rs` saved searches and their live membership; `builder.rs` the filter builder's rows.
//!
//! [`EmailEngagement`]: crate::aggregate::EmailEngagement
//! [`Email::person`]: crate::email::Email::person

pub mod builder;
mod eval;
mod index;
mod parse;
mod print;
mod query;
mod saved;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod properties;

pub use index::SearchIndex;
pub use parse::{MAX_DEPTH, QueryError, QueryErrorKind};
pub use query::{Condition, Count, DateField, DateRange, Filter, Query};
pub use saved::{MembershipChange, SavedSearch, SavedSearches};
