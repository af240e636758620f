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

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::aggregate::EmailEngagement;
use crate::email::Email;
use crate::folder::{Folder, MainTab};
use crate::ids::{CampaignId, EmailId, Instant, PersonId, SavedSearchId};
use crate::people::{Campaign, Person};
use crate::status::Status;

pub mod builder;

// ---------------------------------------------------------------------------------------------------------
// The query model
// ---------------------------------------------------------------------------------------------------------

/// A search: filters combined with AND, OR and NOT. Asked of one email at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(no_recursion))]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// Every part matches (AND). With no parts it matches every email.
    All(Vec<Query>),
    /// At least one part matches (OR). With no parts it matches nothing.
    Any(Vec<Query>),
    /// The part does not match.
    Not(Box<Query>),
    /// One filter.
    Term(Filter),
}

/// One condition on an email, its engagement or its person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// The email belongs to a campaign with this name (case-insensitive, surrounding spaces ignored).
    CampaignName(String),
    /// The email belongs to this campaign.
    CampaignId(CampaignId),
    /// The email is filed in this folder (sub-tab).
    Folder(Folder),
    /// The email is filed anywhere under this main tab.
    Tab(MainTab),
    /// The email has this status.
    Status(Status),
    /// Human views of the email.
    Viewed(Count),
    /// Human clicks in the email.
    Clicked(Count),
    /// Replies to the email.
    Replied(Count),
    /// The email's instant of this kind falls in the range; an email without that instant never matches.
    Date(DateField, DateRange),
    /// The person's name ("first last") contains the text, case-insensitive.
    Name(String),
    /// The person's company contains the text, case-insensitive.
    Company(String),
    /// The recipient's address is at this domain, case-insensitive (`acme.com`, not `sub.acme.com`).
    Domain(String),
    /// The person has this tag, case-insensitive.
    Tag(String),
    /// The subject contains the text, case-insensitive.
    Subject(String),
}

/// How often something happened for an engagement filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Count {
    /// At least once.
    Yes,
    /// Never.
    No,
    /// At least this many times.
    AtLeast(u32),
}

impl Count {
    /// Whether `n` occurrences satisfy the count.
    pub fn accepts(self, n: u32) -> bool {
        match self {
            Count::Yes => n >= 1,
            Count::No => n == 0,
            Count::AtLeast(min) => n >= min,
        }
    }
}

/// Which instant of an email a date filter looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DateField {
    Created,
    Sent,
    Scheduled,
    Failed,
}

impl DateField {
    pub const ALL: [DateField; 4] =
        [DateField::Created, DateField::Sent, DateField::Scheduled, DateField::Failed];

    /// The key in the text form.
    pub fn key(self) -> &'static str {
        match self {
            DateField::Created => "created",
            DateField::Sent => "sent",
            DateField::Scheduled => "scheduled",
            DateField::Failed => "failed",
        }
    }

    /// The email's instant of this kind, if it has one.
    pub fn of(self, email: &Email) -> Option<Instant> {
        match self {
            DateField::Created => Some(email.created_at),
            DateField::Sent => email.sent_at,
            DateField::Scheduled => email.schedule.as_ref().map(|s| s.at),
            DateField::Failed => email.failed_at,
        }
    }
}

/// Days in UTC: from `from` (inclusive) up to `before` (exclusive). A side left out is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateRange {
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub before: Option<NaiveDate>,
}

impl DateRange {
    /// Whether the instant falls in the range.
    pub fn contains(&self, at: Instant) -> bool {
        let (from, before) = self.bounds();
        let t = at.timestamp();
        from <= t && t < before
    }

    /// The range as UTC seconds: `from <= t < before`.
    fn bounds(&self) -> (i64, i64) {
        let secs = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp();
        (self.from.map(secs).unwrap_or(i64::MIN), self.before.map(secs).unwrap_or(i64::MAX))
    }
}

impl Query {
    /// The search that matches every email.
    pub fn everything() -> Query {
        Query::All(Vec::new())
    }

    /// Parses the text form; the result is in normal form (see [`Query::normalized`]).
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let tokens = lex(text)?;
        let end_column = text.chars().count() + 1;
        let mut parser = Parser { tokens, pos: 0, end_column };
        let query = parser.or(0)?;
        if let Some(token) = parser.tokens.get(parser.pos) {
            return Err(QueryError { column: token.column, kind: QueryErrorKind::UnopenedParen });
        }
        Ok(query.normalized())
    }

    /// The same search in normal form: nested ANDs and ORs flattened, one-part groups unwrapped, double
    /// negations removed, and an empty OR written as `-()`. Parsing the printed form of a normal query
    /// gives it back exactly.
    pub fn normalized(self) -> Query {
        match self {
            Query::Term(filter) => Query::Term(filter),
            Query::Not(inner) => match inner.normalized() {
                Query::Not(twice) => *twice,
                other => Query::Not(Box::new(other)),
            },
            Query::All(parts) => {
                let mut flat = Vec::with_capacity(parts.len());
                for part in parts {
                    match part.normalized() {
                        Query::All(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                if flat.len() == 1 { flat.swap_remove(0) } else { Query::All(flat) }
            }
            Query::Any(parts) => {
                let mut flat = Vec::with_capacity(parts.len());
                for part in parts {
                    match part.normalized() {
                        Query::Any(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                match flat.len() {
                    0 => Query::Not(Box::new(Query::everything())),
                    1 => flat.swap_remove(0),
                    _ => Query::Any(flat),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------------------

/// One row of a filter builder: a filter, or its negation. A builder is a list of them, all of which must
/// hold (AND): the shape most searches have, and the one a form can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub negated: bool,
    pub filter: Filter,
}

impl Query {
    /// The builder rows of this search, when it is a plain AND of filters and negated filters (the empty
    /// search is no rows). `None` when it needs OR or grouping: the text form is then the only way to
    /// edit it.
    pub fn conditions(&self) -> Option<Vec<Condition>> {
        fn one(part: &Query) -> Option<Condition> {
            match part {
                Query::Term(filter) => Some(Condition { negated: false, filter: filter.clone() }),
                Query::Not(inner) => match inner.as_ref() {
                    Query::Term(filter) => Some(Condition { negated: true, filter: filter.clone() }),
                    _ => None,
                },
                _ => None,
            }
        }
        match self.clone().normalized() {
            Query::All(parts) => parts.iter().map(one).collect(),
            other => one(&other).map(|c| vec![c]),
        }
    }

    /// The search a builder's rows make: all of them (AND), in normal form.
    pub fn from_conditions(conditions: &[Condition]) -> Query {
        let parts = conditions
            .iter()
            .map(|c| {
                let term = Query::Term(c.filter.clone());
                if c.negated { Query::Not(Box::new(term)) } else { term }
            })
            .collect();
        Query::All(parts).normalized()
    }
}

impl fmt::Display for Query {
    /// The text form. A normal query prints so that [`Query::parse`] gives it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All(parts) if parts.is_empty() => Ok(()),
            q => write_or(q, f),
        }
    }
}

fn write_or(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::Any(parts) if !parts.is_empty() => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(" OR ")?;
                }
                write_and(part, f)?;
            }
            Ok(())
        }
        q => write_and(q, f),
    }
}

fn write_and(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::All(parts) if !parts.is_empty() => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write_unary(part, f)?;
            }
            Ok(())
        }
        q => write_unary(q, f),
    }
}

fn write_unary(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::Term(filter) => write!(f, "{filter}"),
        Query::Not(inner) => {
            f.write_str("-")?;
            write_unary(inner, f)
        }
        Query::All(parts) if parts.is_empty() => f.write_str("()"),
        Query::Any(parts) if parts.is_empty() => f.write_str("-()"),
        group => {
            f.write_str("(")?;
            write_or(group, f)?;
            f.write_str(")")
        }
    }
}

/// Writes a value bare when it can be, quoted with `\"` and `\\` escapes otherwise.
fn write_value(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let needs_quotes =
        value.is_empty() || value.chars().any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\\'));
    if !needs_quotes {
        return f.write_str(value);
    }
    f.write_str("\"")?;
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_count(key: &str, count: Count, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match count {
        Count::Yes => f.write_str(key),
        Count::No => write!(f, "{key}:no"),
        Count::AtLeast(n) => write!(f, "{key}>={n}"),
    }
}

/// A status's name in the text form: its folder's slug, e.g. `in-progress`.
fn status_name(status: Status) -> &'static str {
    Folder::of(status).sub_slug()
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::CampaignName(name) => {
                f.write_str("campaign:")?;
                write_value(name, f)
            }
            Filter::CampaignId(id) => write!(f, "campaign_id:{id}"),
            Filter::Folder(folder) => write!(f, "folder:{folder}"),
            Filter::Tab(tab) => write!(f, "folder:{}", tab.slug()),
            Filter::Status(status) => write!(f, "status:{}", status_name(*status)),
            Filter::Viewed(count) => write_count("viewed", *count, f),
            Filter::Clicked(count) => write_count("clicked", *count, f),
            Filter::Replied(count) => write_count("replied", *count, f),
            Filter::Date(field, range) => {
                write!(f, "{}:", field.key())?;
                if let Some(from) = range.from {
                    write!(f, "{from}")?;
                }
                f.write_str("..")?;
                if let Some(before) = range.before {
                    write!(f, "{before}")?;
                }
                Ok(())
            }
            Filter::Name(text) => {
                f.write_str("name:")?;
                write_value(text, f)
            }
            Filter::Company(text) => {
                f.write_str("company:")?;
                write_value(text, f)
            }
            Filter::Domain(text) => {
                f.write_str("domain:")?;
                write_value(text, f)
            }
            Filter::Tag(text) => {
                f.write_str("tag:")?;
                write_value(text, f)
            }
            Filter::Subject(text) => {
                f.write_str("subject:")?;
                write_value(text, f)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------

/// How deep parentheses and negations may nest.
pub const MAX_DEPTH: usize = 64;

/// Why a text is not a search, and where (the 1-based character the problem starts at).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{kind} (at character {column})")]
pub struct QueryError {
    pub column: usize,
    pub kind: QueryErrorKind,
}

/// What is wrong with a search's text.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum QueryErrorKind {
    #[error(
        "\"{0}\" is not a search key; keys are campaign, campaign_id, folder, status, viewed, clicked, \
         replied, created, sent, scheduled, failed, name, company, domain, tag and subject"
    )]
    UnknownKey(String),
    #[error("\"{0}\" is not a search word; to look for it in subjects write subject:{0}")]
    UnknownWord(String),
    #[error("a quoted text needs a key before it, e.g. subject:\"{0}\"")]
    ValueWithoutKey(String),
    #[error("{0} needs a value after it, e.g. {0}:something")]
    MissingValue(String),
    #[error("a quote is never closed; add a \" at the end of the value")]
    UnclosedQuote,
    #[error("\\{0} is not an escape; inside quotes write \\\" for a quote and \\\\ for a backslash")]
    UnknownEscape(char),
    #[error("a quote in the middle of a value; put the whole value in quotes")]
    StrayQuote,
    #[error("a closing quote must be followed by a space or a parenthesis")]
    TextAfterQuote,
    #[error("a \"(\" is never closed")]
    UnclosedParen,
    #[error("a \")\" closes nothing")]
    UnopenedParen,
    #[error("{0} needs a search on both sides")]
    DanglingOperator(&'static str),
    #[error("{0} needs something after it to exclude")]
    NothingToNegate(&'static str),
    #[error("{key} takes yes or no (or >=N for at least N times), not \"{value}\"")]
    BadEngagement { key: String, value: String },
    #[error("\"{0}\" is not a number of times")]
    BadNumber(String),
    #[error("{0} cannot be compared; only viewed, clicked and replied take >= or >")]
    NotComparable(String),
    #[error("\"{0}\" is not a date; write YYYY-MM-DD, e.g. 2026-01-31")]
    BadDate(String),
    #[error("the dates {0} are an empty range: the first must be before the second, which is not included")]
    EmptyRange(String),
    #[error("\"{0}\" is not a folder; write a tab and sub-tab like sent/delivered, or a tab like pending")]
    UnknownFolder(String),
    #[error(
        "\"{0}\" is not a status; statuses are draft, scheduled, in-progress, delivered, archived, failed, \
         bounced and spam"
    )]
    UnknownStatus(String),
    #[error("\"{0}\" is not a campaign id (a UUID)")]
    BadCampaignId(String),
    #[error("the search nests parentheses or negations deeper than {0} levels")]
    TooDeep(usize),
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Query::parse(s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Bare,
    Colon,
    AtLeast,
    MoreThan,
}

#[derive(Debug)]
struct Word {
    key: String,
    op: Op,
    value: String,
    value_column: usize,
}

#[derive(Debug)]
enum Tok {
    Open,
    Close,
    Minus,
    Word(Word),
}

#[derive(Debug)]
struct Token {
    column: usize,
    tok: Tok,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Or,
    And,
    Not,
}

impl Token {
    fn keyword(&self) -> Option<Keyword> {
        match &self.tok {
            Tok::Word(Word { key, op: Op::Bare, .. }) => {
                if key.eq_ignore_ascii_case("or") {
                    Some(Keyword::Or)
                } else if key.eq_ignore_ascii_case("and") {
                    Some(Keyword::And)
                } else if key.eq_ignore_ascii_case("not") {
                    Some(Keyword::Not)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether the token can begin a search (a term, a group or a negation).
    fn starts_unary(&self) -> bool {
        match self.tok {
            Tok::Open | Tok::Minus => true,
            Tok::Close => false,
            Tok::Word(_) => !matches!(self.keyword(), Some(Keyword::Or | Keyword::And)),
        }
    }
}

fn is_boundary(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

fn err<T>(column: usize, kind: QueryErrorKind) -> Result<T, QueryError> {
    Err(QueryError { column, kind })
}

/// Splits the text into parentheses, `-` and words (`key`, `key:value`, `key>=value`). Columns are
/// 1-based character positions.
fn lex(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                tokens.push(Token { column, tok: Tok::Open });
                i += 1;
            }
            ')' => {
                tokens.push(Token { column, tok: Tok::Close });
                i += 1;
            }
            '-' => {
                i += 1;
                if chars.get(i).is_none_or(|&next| next.is_whitespace() || next == ')') {
                    return err(column, QueryErrorKind::NothingToNegate("-"));
                }
                tokens.push(Token { column, tok: Tok::Minus });
            }
            '"' => {
                let value = read_value(&chars, &mut i)?;
                return err(column, QueryErrorKind::ValueWithoutKey(value));
            }
            _ => {
                while i < chars.len() && !is_boundary(chars[i]) && !matches!(chars[i], ':' | '>' | '"') {
                    i += 1;
                }
                let key: String = chars[column - 1..i].iter().collect();
                let op = match chars.get(i) {
                    Some(':') => {
                        i += 1;
                        Op::Colon
                    }
                    Some('>') if chars.get(i + 1) == Some(&'=') => {
                        i += 2;
                        Op::AtLeast
                    }
                    Some('>') => {
                        i += 1;
                        Op::MoreThan
                    }
                    Some('"') => return err(i + 1, QueryErrorKind::StrayQuote),
                    _ => Op::Bare,
                };
                if key.is_empty() {
                    let word: String = chars[column - 1..].iter().take_while(|c| !is_boundary(**c)).collect();
                    return err(column, QueryErrorKind::UnknownKey(word));
                }
                let value_column = i + 1;
                let value = if op == Op::Bare {
                    String::new()
                } else if chars.get(i).is_none_or(|&c| is_boundary(c)) {
                    return err(column, QueryErrorKind::MissingValue(key));
                } else {
                    read_value(&chars, &mut i)?
                };
                tokens.push(Token { column, tok: Tok::Word(Word { key, op, value, value_column }) });
            }
        }
    }
    Ok(tokens)
}

/// Reads a bare or quoted value starting at `chars[*i]`.
fn read_value(chars: &[char], i: &mut usize) -> Result<String, QueryError> {
    let mut value = String::new();
    if chars.get(*i) == Some(&'"') {
        let open = *i + 1;
        *i += 1;
        loop {
            match chars.get(*i) {
                None => return err(open, QueryErrorKind::UnclosedQuote),
                Some('"') => {
                    *i += 1;
                    break;
                }
                Some('\\') => match chars.get(*i + 1) {
                    None => return err(open, QueryErrorKind::UnclosedQuote),
                    Some(&c @ ('"' | '\\')) => {
                        value.push(c);
                        *i += 2;
                    }
                    Some(&c) => return err(*i + 1, QueryErrorKind::UnknownEscape(c)),
                },
                Some(&c) => {
                    value.push(c);
                    *i += 1;
                }
            }
        }
        if chars.get(*i).is_some_and(|&c| !is_boundary(c)) {
            return err(*i + 1, QueryErrorKind::TextAfterQuote);
        }
    } else {
        while let Some(&c) = chars.get(*i) {
            if is_boundary(c) {
                break;
            }
            if c == '"' {
                return err(*i + 1, QueryErrorKind::StrayQuote);
            }
            value.push(c);
            *i += 1;
        }
    }
    Ok(value)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_keyword(&self) -> Option<Keyword> {
        self.peek().and_then(Token::keyword)
    }

    fn column(&self) -> usize {
        self.peek().map(|t| t.column).unwrap_or(self.end_column)
    }

    /// `and ( OR and )*`; no parts at all is the empty search.
    fn or(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut parts = Vec::new();
        loop {
            let before = self.column();
            let and = self.and(depth)?;
            if self.peek_keyword() == Some(Keyword::Or) {
                let column = self.column();
                if and.is_empty() {
                    return err(column, QueryErrorKind::DanglingOperator("OR"));
                }
                parts.push(all_of(and));
                self.pos += 1;
                if !self.peek().is_some_and(Token::starts_unary) {
                    return err(column, QueryErrorKind::DanglingOperator("OR"));
                }
            } else {
                if and.is_empty() {
                    if parts.is_empty() {
                        return Ok(Query::everything());
                    }
                    return err(before, QueryErrorKind::DanglingOperator("OR"));
                }
                parts.push(all_of(and));
                break;
            }
        }
        Ok(if parts.len() == 1 { parts.swap_remove(0) } else { Query::Any(parts) })
    }

    /// `unary ( AND? unary )*`, up to the next `OR`, `)` or the end.
    fn and(&mut self, depth: usize) -> Result<Vec<Query>, QueryError> {
        let mut parts = Vec::new();
        while let Some(token) = self.peek() {
            match token.keyword() {
                Some(Keyword::Or) => break,
                Some(Keyword::And) => {
                    let column = token.column;
                    self.pos += 1;
                    if parts.is_empty() || !self.peek().is_some_and(Token::starts_unary) {
                        return err(column, QueryErrorKind::DanglingOperator("AND"));
                    }
                }
                _ if matches!(token.tok, Tok::Close) => break,
                _ => parts.push(self.unary(depth)?),
            }
        }
        Ok(parts)
    }

    fn unary(&mut self, depth: usize) -> Result<Query, QueryError> {
        let column = self.column();
        if depth >= MAX_DEPTH {
            return err(column, QueryErrorKind::TooDeep(MAX_DEPTH));
        }
        enum Next {
            Negate(&'static str),
            Open,
            Term(Result<Filter, QueryError>),
            Stray(QueryErrorKind),
        }
        let next = match self.peek() {
            None => Next::Stray(QueryErrorKind::NothingToNegate("NOT")),
            Some(token) => match (&token.tok, token.keyword()) {
                (Tok::Minus, _) => Next::Negate("-"),
                (_, Some(Keyword::Not)) => Next::Negate("NOT"),
                (Tok::Open, _) => Next::Open,
                (Tok::Word(word), _) => Next::Term(term(word, column)),
                (Tok::Close, _) => Next::Stray(QueryErrorKind::UnopenedParen),
            },
        };
        self.pos += 1;
        match next {
            Next::Negate(operator) => {
                if !self.peek().is_some_and(Token::starts_unary) {
                    return err(column, QueryErrorKind::NothingToNegate(operator));
                }
                Ok(Query::Not(Box::new(self.unary(depth + 1)?)))
            }
            Next::Open => {
                let inner = self.or(depth + 1)?;
                match self.peek() {
                    Some(Token { tok: Tok::Close, .. }) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => err(column, QueryErrorKind::UnclosedParen),
                }
            }
            Next::Term(filter) => filter.map(Query::Term),
            Next::Stray(kind) => err(column, kind),
        }
    }
}

fn all_of(mut parts: Vec<Query>) -> Query {
    if parts.len() == 1 { parts.swap_remove(0) } else { Query::All(parts) }
}

fn fail(column: usize, kind: QueryErrorKind) -> QueryError {
    QueryError { column, kind }
}

/// The keys that take a value after a colon (besides viewed, clicked and replied).
const VALUE_KEYS: [&str; 13] = [
    "campaign",
    "campaign_id",
    "folder",
    "status",
    "created",
    "sent",
    "scheduled",
    "failed",
    "name",
    "company",
    "domain",
    "tag",
    "subject",
];

/// Turns one word into a filter.
fn term(word: &Word, column: usize) -> Result<Filter, QueryError> {
    let key = word.key.to_ascii_lowercase();
    let value = word.value.as_str();
    let at = word.value_column;
    if matches!(key.as_str(), "viewed" | "clicked" | "replied") {
        let count = match word.op {
            Op::Bare => Count::Yes,
            Op::Colon if value.eq_ignore_ascii_case("yes") => Count::Yes,
            Op::Colon if value.eq_ignore_ascii_case("no") => Count::No,
            Op::Colon => {
                return err(at, QueryErrorKind::BadEngagement { key, value: value.to_string() });
            }
            Op::AtLeast | Op::MoreThan => {
                let bad = || fail(at, QueryErrorKind::BadNumber(value.to_string()));
                let n: u32 = value.parse().map_err(|_| bad())?;
                let n = if word.op == Op::MoreThan { n.checked_add(1).ok_or_else(bad)? } else { n };
                Count::AtLeast(n)
            }
        };
        return Ok(match key.as_str() {
            "viewed" => Filter::Viewed(count),
            "clicked" => Filter::Clicked(count),
            _ => Filter::Replied(count),
        });
    }
    let known = VALUE_KEYS.contains(&key.as_str());
    match word.op {
        Op::Bare if known => return err(column, QueryErrorKind::MissingValue(key)),
        Op::Bare => return err(column, QueryErrorKind::UnknownWord(word.key.clone())),
        Op::AtLeast | Op::MoreThan if known => return err(column, QueryErrorKind::NotComparable(key)),
        Op::AtLeast | Op::MoreThan | Op::Colon => {}
    }
    let text = || value.to_string();
    let lowered = value.to_lowercase();
    Ok(match key.as_str() {
        "campaign" => Filter::CampaignName(text()),
        "campaign_id" => {
            Filter::CampaignId(value.parse().map_err(|_| fail(at, QueryErrorKind::BadCampaignId(text())))?)
        }
        "folder" => {
            let unknown = || fail(at, QueryErrorKind::UnknownFolder(text()));
            if lowered.contains('/') {
                Filter::Folder(lowered.parse().map_err(|_| unknown())?)
            } else {
                Filter::Tab(MainTab::ALL.into_iter().find(|t| t.slug() == lowered).ok_or_else(unknown)?)
            }
        }
        "status" => Filter::Status(
            Status::ALL
                .into_iter()
                .find(|s| status_name(*s) == lowered.replace('_', "-"))
                .ok_or_else(|| fail(at, QueryErrorKind::UnknownStatus(text())))?,
        ),
        "created" => Filter::Date(DateField::Created, date_range(value, at)?),
        "sent" => Filter::Date(DateField::Sent, date_range(value, at)?),
        "scheduled" => Filter::Date(DateField::Scheduled, date_range(value, at)?),
        "failed" => Filter::Date(DateField::Failed, date_range(value, at)?),
        "name" => Filter::Name(text()),
        "company" => Filter::Company(text()),
        "domain" => Filter::Domain(text()),
        "tag" => Filter::Tag(text()),
        "subject" => Filter::Subject(text()),
        _ => return err(column, QueryErrorKind::UnknownKey(word.key.clone())),
    })
}

/// `from..before`, `from..`, `..before`, `..` or one day.
fn date_range(value: &str, at: usize) -> Result<DateRange, QueryError> {
    let day = |text: &str, column: usize| -> Result<Option<NaiveDate>, QueryError> {
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| fail(column, QueryErrorKind::BadDate(text.to_string())))
    };
    match value.split_once("..") {
        None => {
            let from = day(value, at)?;
            let before = from
                .and_then(|d| d.succ_opt())
                .ok_or_else(|| fail(at, QueryErrorKind::BadDate(value.to_string())))?;
            Ok(DateRange { from, before: Some(before) })
        }
        Some((a, b)) => {
            let range = DateRange { from: day(a, at)?, before: day(b, at + a.chars().count() + 2)? };
            if let (Some(from), Some(before)) = (range.from, range.before)
                && from >= before
            {
                return err(at, QueryErrorKind::EmptyRange(value.to_string()));
            }
            Ok(range)
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The index and evaluation
// ---------------------------------------------------------------------------------------------------------

/// No slot: an email without a person or campaign.
const NONE: u32 = u32::MAX;
/// An email without this instant.
const NO_INSTANT: i64 = i64::MIN;

/// One email as search needs it: small, with its text already lower-cased.
#[derive(Clone, Debug)]
struct EmailRow {
    id: EmailId,
    alive: bool,
    /// Slot of the person it reaches, or [`NONE`].
    person: u32,
    /// The recipient's address when the email has no person id: it reaches whoever has that address.
    address: Option<Box<str>>,
    campaign: u32,
    domain: u32,
    status: Status,
    views: u32,
    clicks: u32,
    replies: u32,
    created: i64,
    sent: i64,
    scheduled: i64,
    failed: i64,
    subject: Box<str>,
}

impl EmailRow {
    fn blank(id: EmailId) -> EmailRow {
        EmailRow {
            id,
            alive: true,
            person: NONE,
            address: None,
            campaign: NONE,
            domain: NONE,
            status: Status::Draft,
            views: 0,
            clicks: 0,
            replies: 0,
            created: NO_INSTANT,
            sent: NO_INSTANT,
            scheduled: NO_INSTANT,
            failed: NO_INSTANT,
            subject: Box::from(""),
        }
    }

    fn engage(&mut self, engagement: &EmailEngagement) {
        self.views = engagement.views_human;
        self.clicks = engagement.clicks_human;
        self.replies = engagement.replies;
    }

    fn instant(&self, field: DateField) -> i64 {
        match field {
            DateField::Created => self.created,
            DateField::Sent => self.sent,
            DateField::Scheduled => self.scheduled,
            DateField::Failed => self.failed,
        }
    }
}

#[derive(Clone, Debug)]
struct PersonRow {
    id: PersonId,
    name: Box<str>,
    company: Box<str>,
    tags: Box<[Box<str>]>,
    address: Option<Box<str>>,
    /// Slots of the emails that reach this person.
    emails: Vec<u32>,
}

#[derive(Clone, Debug)]
struct CampaignRow {
    id: CampaignId,
    /// Lower-cased and trimmed.
    name: Box<str>,
}

/// Everything search looks at, kept compact in memory: emails with their engagement counts, people and
/// campaigns, with a person → emails index so one person can be re-evaluated alone.
///
/// Every change returns the people whose membership in saved searches may have changed; hand them to
/// [`SavedSearches::update`]. The index holds whatever it is given (typically one rep's emails); it does not
/// check ownership.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    emails: Vec<EmailRow>,
    free: Vec<u32>,
    email_slots: HashMap<EmailId, u32>,
    people: Vec<PersonRow>,
    person_slots: HashMap<PersonId, u32>,
    /// Address → the person who has it (the first one to claim it, while they keep it).
    by_address: HashMap<Box<str>, u32>,
    /// Emails without a person id whose recipient address no person has (yet).
    unlinked: HashMap<Box<str>, Vec<u32>>,
    campaigns: Vec<CampaignRow>,
    campaign_slots: HashMap<CampaignId, u32>,
    domains: Vec<Box<str>>,
    domain_slots: HashMap<Box<str>, u32>,
    /// Engagement that arrived before its email.
    pending: HashMap<EmailId, EmailEngagement>,
}

fn lower(text: &str) -> Box<str> {
    text.trim().to_lowercase().into_boxed_str()
}

fn slot_of(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(NONE)
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Builds the index from scratch.
    pub fn build<'a>(
        campaigns: impl IntoIterator<Item = &'a Campaign>,
        people: impl IntoIterator<Item = &'a Person>,
        emails: impl IntoIterator<Item = &'a Email>,
        engagement: impl IntoIterator<Item = (EmailId, EmailEngagement)>,
    ) -> SearchIndex {
        let mut index = SearchIndex::new();
        for campaign in campaigns {
            index.upsert_campaign(campaign);
        }
        for person in people {
            index.upsert_person(person);
        }
        for email in emails {
            index.upsert_email(email);
        }
        for (email, counts) in engagement {
            index.set_engagement(email, &counts);
        }
        index
    }

    /// How many emails the index holds.
    pub fn len(&self) -> usize {
        self.email_slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.email_slots.is_empty()
    }

    /// Whether the index holds this email.
    pub fn contains_email(&self, email: EmailId) -> bool {
        self.email_slots.contains_key(&email)
    }

    /// Adds or replaces an email. Its engagement is kept (or taken from engagement that came first).
    pub fn upsert_email(&mut self, email: &Email) -> Vec<PersonId> {
        let mut touched = Vec::new();
        let slot = match self.email_slots.get(&email.id) {
            Some(&slot) => {
                touched.extend(self.unlink(slot));
                slot
            }
            None => {
                let mut row = EmailRow::blank(email.id);
                if let Some(counts) = self.pending.remove(&email.id) {
                    row.engage(&counts);
                }
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.emails[slot as usize] = row;
                        slot
                    }
                    None => {
                        self.emails.push(row);
                        slot_of(self.emails.len() - 1)
                    }
                };
                self.email_slots.insert(email.id, slot);
                slot
            }
        };
        let domain = self.domain_slot(email.recipient.domain());
        let campaign = email.campaign.map_or(NONE, |c| self.campaign_slot(c));
        let row = &mut self.emails[slot as usize];
        row.campaign = campaign;
        row.domain = domain;
        row.status = email.status;
        row.created = email.created_at.timestamp();
        let secs = |at: Option<Instant>| at.map_or(NO_INSTANT, |at| at.timestamp());
        row.sent = secs(email.sent_at);
        row.scheduled = secs(email.schedule.as_ref().map(|s| s.at));
        row.failed = secs(email.failed_at);
        row.subject = email.subject.to_lowercase().into_boxed_str();
        if let Some(person) = self.link(slot, email)
            && !touched.contains(&person)
        {
            touched.push(person);
        }
        touched
    }

    /// Removes an email (a deleted draft, say).
    pub fn remove_email(&mut self, email: EmailId) -> Vec<PersonId> {
        self.pending.remove(&email);
        let Some(slot) = self.email_slots.remove(&email) else {
            return Vec::new();
        };
        let touched = self.unlink(slot).into_iter().collect();
        let row = &mut self.emails[slot as usize];
        *row = EmailRow::blank(row.id);
        row.alive = false;
        self.free.push(slot);
        touched
    }

    /// Sets an email's engagement counts. Counts for an email the index does not hold yet are kept until
    /// the email arrives.
    pub fn set_engagement(&mut self, email: EmailId, engagement: &EmailEngagement) -> Vec<PersonId> {
        let Some(&slot) = self.email_slots.get(&email) else {
            self.pending.insert(email, engagement.clone());
            return Vec::new();
        };
        let row = &mut self.emails[slot as usize];
        let before = (row.views, row.clicks, row.replies);
        row.engage(engagement);
        if before == (row.views, row.clicks, row.replies) || row.person == NONE {
            return Vec::new();
        }
        vec![self.people[row.person as usize].id]
    }

    /// Adds or replaces a person. Emails without a person id sent to the person's address now reach them.
    pub fn upsert_person(&mut self, person: &Person) -> Vec<PersonId> {
        let slot = self.person_slot(person.id);
        let address: Box<str> = Box::from(person.email.as_str());
        let row = &mut self.people[slot as usize];
        let name = format!("{} {}", person.first_name.trim(), person.last_name.trim());
        row.name = lower(&name);
        row.company = lower(&person.company);
        row.tags = person.tags.iter().map(|t| lower(t)).collect();
        let old = row.address.replace(address.clone());
        if old.as_ref() != Some(&address) {
            if let Some(old) = old {
                if self.by_address.get(&old) == Some(&slot) {
                    self.by_address.remove(&old);
                }
                let row = &mut self.people[slot as usize];
                let (released, kept): (Vec<u32>, Vec<u32>) =
                    row.emails.iter().partition(|&&e| self.emails[e as usize].address.is_some());
                row.emails = kept;
                for e in &released {
                    self.emails[*e as usize].person = NONE;
                }
                if !released.is_empty() {
                    self.unlinked.entry(old).or_default().extend(released);
                }
            }
            if self.by_address.get(&address).is_none_or(|&owner| owner == slot) {
                self.by_address.insert(address.clone(), slot);
                for e in self.unlinked.remove(&address).unwrap_or_default() {
                    self.emails[e as usize].person = slot;
                    self.people[slot as usize].emails.push(e);
                }
            }
        }
        vec![person.id]
    }

    /// Adds or renames a campaign. A rename touches everyone with an email in it.
    pub fn upsert_campaign(&mut self, campaign: &Campaign) -> Vec<PersonId> {
        let slot = self.campaign_slot(campaign.id);
        let name = lower(&campaign.name);
        if self.campaigns[slot as usize].name == name {
            return Vec::new();
        }
        self.campaigns[slot as usize].name = name;
        let mut seen = vec![false; self.people.len()];
        let mut touched = Vec::new();
        for row in &self.emails {
            if row.alive && row.campaign == slot && row.person != NONE && !seen[row.person as usize] {
                seen[row.person as usize] = true;
                touched.push(self.people[row.person as usize].id);
            }
        }
        touched
    }

    /// The emails that match, newest created first (ties by id).
    pub fn emails(&self, query: &Query) -> Vec<EmailId> {
        let node = Node::compile(query);
        let mut hits: Vec<(i64, EmailId)> = self
            .emails
            .iter()
            .filter(|row| row.alive && self.eval(&node, row))
            .map(|row| (row.created, row.id))
            .collect();
        hits.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, id)| id).collect()
    }

    /// The distinct people with at least one matching email, by id.
    pub fn people(&self, query: &Query) -> Vec<PersonId> {
        let node = Node::compile(query);
        let mut seen = vec![false; self.people.len()];
        let mut hits = Vec::new();
        for row in &self.emails {
            if row.alive && row.person != NONE && !seen[row.person as usize] && self.eval(&node, row) {
                seen[row.person as usize] = true;
                hits.push(self.people[row.person as usize].id);
            }
        }
        hits.sort_unstable();
        hits
    }

    /// Whether one email matches.
    pub fn email_matches(&self, query: &Query, email: EmailId) -> bool {
        let node = Node::compile(query);
        self.email_slots.get(&email).is_some_and(|&slot| self.eval(&node, &self.emails[slot as usize]))
    }

    /// Whether one person has a matching email.
    pub fn person_matches(&self, query: &Query, person: PersonId) -> bool {
        self.person_slots.get(&person).is_some_and(|&slot| self.person_eval(&Node::compile(query), slot))
    }

    fn person_eval(&self, node: &Node, person: u32) -> bool {
        self.people[person as usize].emails.iter().any(|&e| self.eval(node, &self.emails[e as usize]))
    }

    fn eval(&self, node: &Node, row: &EmailRow) -> bool {
        match node {
            Node::All(parts) => parts.iter().all(|n| self.eval(n, row)),
            Node::Any(parts) => parts.iter().any(|n| self.eval(n, row)),
            Node::Not(inner) => !self.eval(inner, row),
            Node::Test(test) => self.test(test, row),
        }
    }

    fn test(&self, test: &Test, row: &EmailRow) -> bool {
        let person = || self.people.get(row.person as usize);
        match test {
            Test::CampaignName(name) => {
                self.campaigns.get(row.campaign as usize).is_some_and(|c| c.name == *name)
            }
            Test::CampaignId(id) => self.campaigns.get(row.campaign as usize).is_some_and(|c| c.id == *id),
            Test::Statuses(mask) => mask & status_bit(row.status) != 0,
            Test::Viewed(count) => count.accepts(row.views),
            Test::Clicked(count) => count.accepts(row.clicks),
            Test::Replied(count) => count.accepts(row.replies),
            Test::Date(field, from, before) => {
                let t = row.instant(*field);
                t != NO_INSTANT && *from <= t && t < *before
            }
            Test::Name(text) => person().is_some_and(|p| p.name.contains(&**text)),
            Test::Company(text) => person().is_some_and(|p| p.company.contains(&**text)),
            Test::Domain(domain) => self.domains.get(row.domain as usize).is_some_and(|d| d == domain),
            Test::Tag(tag) => person().is_some_and(|p| p.tags.contains(tag)),
            Test::Subject(text) => row.subject.contains(&**text),
        }
    }

    /// Detaches an email from its person or from the waiting list; gives the person it reached.
    fn unlink(&mut self, slot: u32) -> Option<PersonId> {
        let row = &mut self.emails[slot as usize];
        let person = std::mem::replace(&mut row.person, NONE);
        let address = row.address.take();
        if person != NONE {
            let p = &mut self.people[person as usize];
            if let Some(at) = p.emails.iter().position(|&e| e == slot) {
                p.emails.swap_remove(at);
            }
            return Some(p.id);
        }
        if let Some(address) = address
            && let Some(waiting) = self.unlinked.get_mut(&address)
        {
            waiting.retain(|&e| e != slot);
            if waiting.is_empty() {
                self.unlinked.remove(&address);
            }
        }
        None
    }

    /// Attaches an email to the person it reaches: by id, else by address (or waits for that address).
    fn link(&mut self, slot: u32, email: &Email) -> Option<PersonId> {
        if let Some(id) = email.person {
            let person = self.person_slot(id);
            self.emails[slot as usize].person = person;
            self.people[person as usize].emails.push(slot);
            return Some(id);
        }
        let address: Box<str> = Box::from(email.recipient.as_str());
        let owner = self.by_address.get(&address).copied();
        self.emails[slot as usize].address = Some(address.clone());
        match owner {
            Some(person) => {
                self.emails[slot as usize].person = person;
                self.people[person as usize].emails.push(slot);
                Some(self.people[person as usize].id)
            }
            None => {
                self.unlinked.entry(address).or_default().push(slot);
                None
            }
        }
    }

    fn person_slot(&mut self, id: PersonId) -> u32 {
        if let Some(&slot) = self.person_slots.get(&id) {
            return slot;
        }
        self.people.push(PersonRow {
            id,
            name: Box::from(""),
            company: Box::from(""),
            tags: Box::new([]),
            address: None,
            emails: Vec::new(),
        });
        let slot = slot_of(self.people.len() - 1);
        self.person_slots.insert(id, slot);
        slot
    }

    fn campaign_slot(&mut self, id: CampaignId) -> u32 {
        if let Some(&slot) = self.campaign_slots.get(&id) {
            return slot;
        }
        self.campaigns.push(CampaignRow { id, name: Box::from("") });
        let slot = slot_of(self.campaigns.len() - 1);
        self.campaign_slots.insert(id, slot);
        slot
    }

    fn domain_slot(&mut self, domain: &str) -> u32 {
        if let Some(&slot) = self.domain_slots.get(domain) {
            return slot;
        }
        let domain = lower(domain);
        self.domains.push(domain.clone());
        let slot = slot_of(self.domains.len() - 1);
        self.domain_slots.insert(domain, slot);
        slot
    }
}

fn status_bit(status: Status) -> u16 {
    1 << (status as u16)
}

/// A query ready to run: text lower-cased, folders as status masks, days as UTC seconds.
#[derive(Clone, Debug)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(Test),
}

#[derive(Clone, Debug)]
enum Test {
    CampaignName(Box<str>),
    CampaignId(CampaignId),
    Statuses(u16),
    Viewed(Count),
    Clicked(Count),
    Replied(Count),
    Date(DateField, i64, i64),
    Name(Box<str>),
    Company(Box<str>),
    Domain(Box<str>),
    Tag(Box<str>),
    Subject(Box<str>),
}

impl Node {
    fn compile(query: &Query) -> Node {
        match query {
            Query::All(parts) => Node::All(parts.iter().map(Node::compile).collect()),
            Query::Any(parts) => Node::Any(parts.iter().map(Node::compile).collect()),
            Query::Not(inner) => Node::Not(Box::new(Node::compile(inner))),
            Query::Term(filter) => Node::Test(match filter {
                Filter::CampaignName(name) => Test::CampaignName(lower(name)),
                Filter::CampaignId(id) => Test::CampaignId(*id),
                Filter::Folder(folder) => Test::Statuses(status_bit(folder.status())),
                Filter::Tab(tab) => {
                    Test::Statuses(tab.folders().fold(0, |mask, f| mask | status_bit(f.status())))
                }
                Filter::Status(status) => Test::Statuses(status_bit(*status)),
                Filter::Viewed(count) => Test::Viewed(*count),
                Filter::Clicked(count) => Test::Clicked(*count),
                Filter::Replied(count) => Test::Replied(*count),
                Filter::Date(field, range) => {
                    let (from, before) = range.bounds();
                    Test::Date(*field, from, before)
                }
                Filter::Name(text) => Test::Name(lower(text)),
                Filter::Company(text) => Test::Company(lower(text)),
                Filter::Domain(text) => Test::Domain(lower(text.trim().trim_start_matches('@'))),
                Filter::Tag(text) => Test::Tag(lower(text)),
                Filter::Subject(text) => Test::Subject(lower(text)),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Saved searches and their live membership
// ---------------------------------------------------------------------------------------------------------

/// A search the rep saved: a dynamic list of people in the sidebar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedSearch {
    pub id: SavedSearchId,
    pub name: String,
    pub query: Query,
}

impl SavedSearch {
    /// Checks what a saved search needs: a name.
    pub fn validate(&self) -> Result<(), crate::people::MissingName> {
        crate::people::record_name("saved search", &self.name).map(|_| ())
    }
}

/// A person entered (`entered: true`) or left a saved search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipChange {
    pub search: SavedSearchId,
    pub person: PersonId,
    pub entered: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    search: SavedSearch,
    node: Node,
    members: BTreeSet<PersonId>,
}

/// The current members (people) of many saved searches, kept up to date one person at a time.
///
/// After any change to the [`SearchIndex`], pass the people it returned to [`SavedSearches::update`]: only
/// their emails are evaluated again, against every saved search.
#[derive(Clone, Debug, Default)]
pub struct SavedSearches {
    entries: Vec<Entry>,
}

impl SavedSearches {
    pub fn new() -> SavedSearches {
        SavedSearches::default()
    }

    /// Adds a saved search, or replaces the one with the same id (an edit), and computes its members in
    /// full. Returns how many members it has.
    pub fn insert(&mut self, index: &SearchIndex, search: SavedSearch) -> usize {
        let node = Node::compile(&search.query);
        let members: BTreeSet<PersonId> = index.people(&search.query).into_iter().collect();
        let count = members.len();
        let entry = Entry { search, node, members };
        match self.entries.iter_mut().find(|e| e.search.id == entry.search.id) {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
        count
    }

    pub fn remove(&mut self, id: SavedSearchId) -> Option<SavedSearch> {
        let at = self.entries.iter().position(|e| e.search.id == id)?;
        Some(self.entries.remove(at).search)
    }

    pub fn get(&self, id: SavedSearchId) -> Option<&SavedSearch> {
        self.entry(id).map(|e| &e.search)
    }

    /// The saved searches, in the order they were added.
    pub fn searches(&self) -> impl Iterator<Item = &SavedSearch> {
        self.entries.iter().map(|e| &e.search)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The members of a saved search, by id.
    pub fn members(&self, id: SavedSearchId) -> Option<&BTreeSet<PersonId>> {
        self.entry(id).map(|e| &e.members)
    }

    /// The sidebar count of a saved search.
    pub fn count(&self, id: SavedSearchId) -> Option<usize> {
        self.entry(id).map(|e| e.members.len())
    }

    /// Evaluates only these people again against every saved search, and says who entered or left what
    /// (by search, in the order searches were added, then in the order the people were given).
    pub fn update(&mut self, index: &SearchIndex, people: &[PersonId]) -> Vec<MembershipChange> {
        let mut changes = Vec::new();
        for entry in &mut self.entries {
            for &person in people {
                let now =
                    index.person_slots.get(&person).is_some_and(|&slot| index.person_eval(&entry.node, slot));
                let was = entry.members.contains(&person);
                if now != was {
                    if now {
                        entry.members.insert(person);
                    } else {
                        entry.members.remove(&person);
                    }
                    changes.push(MembershipChange { search: entry.search.id, person, entered: now });
                }
            }
        }
        changes
    }

    /// Evaluates every saved search over everything again (after a bulk load, say).
    pub fn recompute(&mut self, index: &SearchIndex) -> Vec<MembershipChange> {
        let mut changes = Vec::new();
        for entry in &mut self.entries {
            let now: BTreeSet<PersonId> = index.people(&entry.search.query).into_iter().collect();
            let search = entry.search.id;
            for &person in entry.members.difference(&now) {
                changes.push(MembershipChange { search, person, entered: false });
            }
            for &person in now.difference(&entry.members) {
                changes.push(MembershipChange { search, person, entered: true });
            }
            entry.members = now;
        }
        changes
    }

    fn entry(&self, id: SavedSearchId) -> Option<&Entry> {
        self.entries.iter().find(|e| e.search.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::EmailAddress;
    use crate::status::EmailKind;
    use crate::{Schedule, UserId};
    use chrono::TimeZone;

    pub(super) fn day(d: u32) -> Instant {
        chrono::Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).single().expect("valid instant")
    }

    pub(super) fn email(n: u128, person: Option<u128>, recipient: &str) -> Email {
        Email {
            id: EmailId::from_u128(n),
            owner: UserId(1),
            sender: EmailAddress::parse("rep@seller.com").expect("address"),
            recipient: EmailAddress::parse(recipient).expect("address"),
            person: person.map(PersonId::from_u128),
            cc: vec![],
            subject: "Hello".into(),
            html_body: String::new(),
            text_body: String::new(),
            campaign: None,
            template: None,
            batch: None,
            kind: EmailKind::Single,
            created_at: day(1),
            updated_at: day(1),
            schedule: None,
            status: Status::Delivered,
            status_reason: None,
            success: false,
            sent_at: Some(day(1)),
            delivered_at: Some(day(1)),
            failed_at: None,
            archived_at: None,
        }
    }

    pub(super) fn person(n: u128, address: &str) -> Person {
        Person::new(PersonId::from_u128(n), EmailAddress::parse(address).expect("address"))
    }

    pub(super) fn engaged(views: u32, clicks: u32, replies: u32) -> EmailEngagement {
        EmailEngagement {
            views_raw: views + 2,
            views_human: views,
            clicks_raw: clicks + 1,
            clicks_human: clicks,
            replies,
            ..EmailEngagement::default()
        }
    }

    fn q(text: &str) -> Query {
        Query::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn term(filter: Filter) -> Query {
        Query::Term(filter)
    }

    fn not(query: Query) -> Query {
        Query::Not(Box::new(query))
    }

    fn ids(ns: &[u128]) -> Vec<EmailId> {
        ns.iter().map(|n| EmailId::from_u128(*n)).collect()
    }

    fn pids(ns: &[u128]) -> Vec<PersonId> {
        ns.iter().map(|n| PersonId::from_u128(*n)).collect()
    }

    fn error(text: &str) -> QueryError {
        Query::parse(text).expect_err(text)
    }

    // --- text form ---

    #[test]
    fn the_seed_search_reads_and_prints_back() {
        let text = r#"campaign:"Q4 launch" viewed clicked -replied"#;
        let query = q(text);
        assert_eq!(
            query,
            Query::All(vec![
                term(Filter::CampaignName("Q4 launch".into())),
                term(Filter::Viewed(Count::Yes)),
                term(Filter::Clicked(Count::Yes)),
                not(term(Filter::Replied(Count::Yes))),
            ])
        );
        assert_eq!(query.to_string(), text);
        assert_eq!(text.parse::<Query>(), Ok(query));
    }

    #[test]
    fn every_filter_has_a_text_form() {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let id = CampaignId::from_u128(7);
        let cases = [
            ("folder:sent/delivered", Filter::Folder(Folder::Delivered), "folder:sent/delivered"),
            ("folder:pending", Filter::Tab(MainTab::Pending), "folder:pending"),
            ("status:bounced", Filter::Status(Status::Bounced), "status:bounced"),
            ("status:in_progress", Filter::Status(Status::InProgress), "status:in-progress"),
            ("viewed>=3", Filter::Viewed(Count::AtLeast(3)), "viewed>=3"),
            ("viewed>2", Filter::Viewed(Count::AtLeast(3)), "viewed>=3"),
            ("clicked:no", Filter::Clicked(Count::No), "clicked:no"),
            ("replied:yes", Filter::Replied(Count::Yes), "replied"),
            (
                "created:2026-01-01..2026-02-01",
                Filter::Date(
                    DateField::Created,
                    DateRange { from: date("2026-01-01"), before: date("2026-02-01") },
                ),
                "created:2026-01-01..2026-02-01",
            ),
            (
                "sent:..2026-03-01",
                Filter::Date(DateField::Sent, DateRange { from: None, before: date("2026-03-01") }),
                "sent:..2026-03-01",
            ),
            (
                "scheduled:2026-03-01..",
                Filter::Date(DateField::Scheduled, DateRange { from: date("2026-03-01"), before: None }),
                "scheduled:2026-03-01..",
            ),
            (
                "failed:2026-03-01",
                Filter::Date(
                    DateField::Failed,
                    DateRange { from: date("2026-03-01"), before: date("2026-03-02") },
                ),
                "failed:2026-03-01..2026-03-02",
            ),
            ("company:acme", Filter::Company("acme".into()), "company:acme"),
            ("domain:acme.com", Filter::Domain("acme.com".into()), "domain:acme.com"),
            ("tag:vip", Filter::Tag("vip".into()), "tag:vip"),
            (r#"name:"Ana Souza""#, Filter::Name("Ana Souza".into()), r#"name:"Ana Souza""#),
            ("subject:pricing", Filter::Subject("pricing".into()), "subject:pricing"),
            ("campaign:Spring", Filter::CampaignName("Spring".into()), "campaign:Spring"),
            (&format!("campaign_id:{id}"), Filter::CampaignId(id), &format!("campaign_id:{id}")),
            ("Company:ACME", Filter::Company("ACME".into()), "company:ACME"),
        ];
        for (text, filter, printed) in cases {
            let query = q(text);
            assert_eq!(query, term(filter), "{text}");
            assert_eq!(query.to_string(), printed, "{text}");
            assert_eq!(q(printed), query, "{printed}");
        }
    }

    #[test]
    fn or_binds_looser_than_juxtaposition_and_parentheses_group() {
        let (v, c, r) = (
            || term(Filter::Viewed(Count::Yes)),
            || term(Filter::Clicked(Count::Yes)),
            || term(Filter::Replied(Count::Yes)),
        );
        assert_eq!(q("viewed clicked OR replied"), Query::Any(vec![Query::All(vec![v(), c()]), r()]));
        assert_eq!(q("viewed AND clicked or replied"), q("viewed clicked OR replied"));
        let grouped = q("(viewed OR clicked) -replied");
        assert_eq!(grouped, Query::All(vec![Query::Any(vec![v(), c()]), not(r())]));
        assert_eq!(grouped.to_string(), "(viewed OR clicked) -replied");
        assert_eq!(q("-(viewed OR clicked)").to_string(), "-(viewed OR clicked)");
        assert_eq!(q("((viewed clicked)) replied"), Query::All(vec![v(), c(), r()]), "nested ANDs flatten");
    }

    #[test]
    fn not_and_minus_both_negate_and_double_negation_cancels() {
        assert_eq!(q("NOT tag:cold"), not(term(Filter::Tag("cold".into()))));
        assert_eq!(q("not tag:cold").to_string(), "-tag:cold");
        assert_eq!(q("--tag:cold"), term(Filter::Tag("cold".into())));
        assert_eq!(q("NOT -tag:cold"), term(Filter::Tag("cold".into())));
    }

    #[test]
    fn the_empty_search_matches_everything_and_prints_empty() {
        assert_eq!(q(""), Query::everything());
        assert_eq!(q("   "), Query::everything());
        assert_eq!(q("()"), Query::everything());
        assert_eq!(Query::everything().to_string(), "");
        assert_eq!(Query::Any(vec![]).normalized().to_string(), "-()");
        assert_eq!(q("-()"), Query::Any(vec![]).normalized());
    }

    #[test]
    fn quoted_values_keep_spaces_quotes_and_backslashes() {
        let tricky = r#"say "hi" \ (now)"#;
        let query = term(Filter::Subject(tricky.into()));
        assert_eq!(query.to_string(), r#"subject:"say \"hi\" \\ (now)""#);
        assert_eq!(q(&query.to_string()), query);
        assert_eq!(q(r#"subject:"""#), term(Filter::Subject(String::new())));
        assert_eq!(q("tag:OR"), term(Filter::Tag("OR".into())), "a keyword as a value is just text");
        assert_eq!(q("company:-x"), term(Filter::Company("-x".into())));
    }

    #[test]
    fn errors_say_what_is_wrong_and_where() {
        let e = error("viewed colour:red");
        assert_eq!(e.column, 8);
        assert_eq!(e.kind, QueryErrorKind::UnknownKey("colour".into()));
        assert!(e.to_string().contains("\"colour\" is not a search key"), "{e}");
        assert!(e.to_string().contains("at character 8"), "{e}");

        assert_eq!(error("viewd").kind, QueryErrorKind::UnknownWord("viewd".into()));
        assert!(error("viewd").to_string().contains("subject:viewd"));
        assert_eq!(error("name:\"Ana").kind, QueryErrorKind::UnclosedQuote);
        assert_eq!(error("name:\"Ana").column, 6);
        assert_eq!(error(r#"name:"A\nB""#).kind, QueryErrorKind::UnknownEscape('n'));
        assert_eq!(error(r#"name:A"B"#).kind, QueryErrorKind::StrayQuote);
        assert_eq!(error(r#"name:"A"B"#).kind, QueryErrorKind::TextAfterQuote);
        assert_eq!(error(r#""pricing""#).kind, QueryErrorKind::ValueWithoutKey("pricing".into()));
        assert_eq!(error("name: x").kind, QueryErrorKind::MissingValue("name".into()));
        assert_eq!(error("campaign").kind, QueryErrorKind::MissingValue("campaign".into()));
        assert_eq!(error("(viewed clicked").kind, QueryErrorKind::UnclosedParen);
        assert_eq!(error("(viewed clicked").column, 1);
        assert_eq!(error("viewed)").kind, QueryErrorKind::UnopenedParen);
        assert_eq!(error("viewed)").column, 7);
        assert_eq!(error("viewed OR").kind, QueryErrorKind::DanglingOperator("OR"));
        assert_eq!(error("OR viewed").kind, QueryErrorKind::DanglingOperator("OR"));
        assert_eq!(error("viewed OR OR clicked").column, 8);
        assert_eq!(error("AND viewed").kind, QueryErrorKind::DanglingOperator("AND"));
        assert_eq!(error("viewed - clicked").kind, QueryErrorKind::NothingToNegate("-"));
        assert_eq!(error("viewed NOT").kind, QueryErrorKind::NothingToNegate("NOT"));
        assert_eq!(
            error("viewed:3").kind,
            QueryErrorKind::BadEngagement { key: "viewed".into(), value: "3".into() }
        );
        assert_eq!(error("viewed>=many").kind, QueryErrorKind::BadNumber("many".into()));
        assert_eq!(error("viewed>4294967295").kind, QueryErrorKind::BadNumber("4294967295".into()));
        assert_eq!(error("tag>=2").kind, QueryErrorKind::NotComparable("tag".into()));
        assert_eq!(error("created:2026-13-01").kind, QueryErrorKind::BadDate("2026-13-01".into()));
        let e = error("sent:2026-01-01..tomorrow");
        assert_eq!((e.kind, e.column), (QueryErrorKind::BadDate("tomorrow".into()), 18));
        assert_eq!(
            error("sent:2026-02-01..2026-01-01").kind,
            QueryErrorKind::EmptyRange("2026-02-01..2026-01-01".into())
        );
        assert_eq!(error("folder:sent/bounced").kind, QueryErrorKind::UnknownFolder("sent/bounced".into()));
        assert_eq!(error("folder:inbox").kind, QueryErrorKind::UnknownFolder("inbox".into()));
        assert_eq!(error("status:lost").kind, QueryErrorKind::UnknownStatus("lost".into()));
        assert_eq!(error("campaign_id:q4").kind, QueryErrorKind::BadCampaignId("q4".into()));
        assert_eq!(error("é:x").column, 1, "columns count characters, not bytes");
        assert_eq!(error(r#"name:"é" colour:x"#).column, 10);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}viewed{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(error(&deep).kind, QueryErrorKind::TooDeep(MAX_DEPTH));
        assert_eq!(error(&"-".repeat(10_000)).kind, QueryErrorKind::NothingToNegate("-"));
        let negations = format!("{}viewed", "NOT ".repeat(10_000));
        assert_eq!(error(&negations).kind, QueryErrorKind::TooDeep(MAX_DEPTH));
        let fine = format!("{}viewed{}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
        assert_eq!(q(&fine), term(Filter::Viewed(Count::Yes)));
    }

    #[test]
    fn a_query_and_a_saved_search_serialise() {
        let search = SavedSearch {
            id: SavedSearchId::from_u128(1),
            name: "Hot, no reply".into(),
            query: q(r#"campaign:"Q4 launch" viewed>=2 -replied created:2026-01-01.. folder:sent"#),
        };
        let json = serde_json::to_string(&search).expect("serialises");
        assert_eq!(serde_json::from_str::<SavedSearch>(&json).expect("deserialises"), search);
    }

    // --- evaluation, one filter at a time ---

    /// Four people, five emails with varied fields.
    fn sample() -> SearchIndex {
        let q4 = Campaign { id: CampaignId::from_u128(1), name: "Q4 Launch".into() };
        let spring = Campaign { id: CampaignId::from_u128(2), name: "Spring".into() };
        let mut ana = person(1, "ana@acme.com");
        ana.first_name = "Ana".into();
        ana.last_name = "Souza".into();
        ana.company = "Acme Inc".into();
        ana.tags.insert("VIP".into());
        let mut bo = person(2, "bo@beta.io");
        bo.first_name = "Bo".into();
        bo.company = "Beta".into();
        bo.tags.insert("cold".into());
        let cy = person(3, "cy@acme.com");
        let di = person(4, "di@sub.acme.com");

        let mut e1 = email(1, Some(1), "ana@acme.com");
        e1.campaign = Some(q4.id);
        e1.subject = "Pricing for Acme".into();
        e1.created_at = day(5);
        let mut e2 = email(2, Some(2), "bo@beta.io");
        e2.campaign = Some(q4.id);
        e2.created_at = day(6);
        let mut e3 = email(3, Some(3), "cy@acme.com");
        e3.campaign = Some(spring.id);
        e3.status = Status::Bounced;
        e3.failed_at = Some(day(7));
        e3.created_at = day(7);
        let mut e4 = email(4, Some(1), "ana@acme.com");
        e4.status = Status::Scheduled;
        e4.sent_at = None;
        e4.delivered_at = None;
        e4.schedule = Some(Schedule { at: day(20), time_zone: "America/Sao_Paulo".into() });
        e4.created_at = day(8);
        let mut e5 = email(5, Some(4), "di@sub.acme.com");
        e5.status = Status::Archived;
        e5.created_at = day(2);

        SearchIndex::build(
            &[q4, spring],
            &[ana, bo, cy, di],
            &[e1, e2, e3, e4, e5],
            [
                (EmailId::from_u128(1), engaged(3, 1, 0)),
                (EmailId::from_u128(2), engaged(1, 0, 1)),
                (EmailId::from_u128(3), engaged(0, 0, 0)),
                (EmailId::from_u128(5), engaged(0, 2, 0)),
            ],
        )
    }

    fn sorted(mut ids: Vec<EmailId>) -> Vec<EmailId> {
        ids.sort();
        ids
    }

    fn found(index: &SearchIndex, text: &str) -> Vec<EmailId> {
        sorted(index.emails(&q(text)))
    }

    #[test]
    fn campaign_matches_by_name_case_insensitively_or_by_id() {
        let index = sample();
        assert_eq!(found(&index, "campaign:\"q4 launch\""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:\"  Q4 LAUNCH \""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:Q4"), ids(&[]), "a campaign name is matched whole");
        assert_eq!(found(&index, &format!("campaign_id:{}", CampaignId::from_u128(2))), ids(&[3]));
        assert_eq!(found(&index, "-campaign:spring"), ids(&[1, 2, 4, 5]));
    }

    #[test]
    fn folder_tab_and_status_filter_by_where_the_email_is_filed() {
        let index = sample();
        assert_eq!(found(&index, "folder:sent/delivered"), ids(&[1, 2]));
        assert_eq!(found(&index, "status:delivered"), ids(&[1, 2]));
        assert_eq!(found(&index, "folder:sent"), ids(&[1, 2, 5]));
        assert_eq!(found(&index, "folder:undelivered"), ids(&[3]));
        assert_eq!(found(&index, "status:scheduled"), ids(&[4]));
        assert_eq!(found(&index, "folder:pending/in-progress"), ids(&[]));
    }

    #[test]
    fn engagement_counts_human_views_and_clicks_and_replies() {
        let index = sample();
        // Every email has machine views (views_raw > views_human): they do not count.
        assert_eq!(found(&index, "viewed"), ids(&[1, 2]));
        assert_eq!(found(&index, "viewed:no"), ids(&[3, 4, 5]));
        assert_eq!(found(&index, "viewed>=3"), ids(&[1]));
        assert_eq!(found(&index, "viewed>=0"), ids(&[1, 2, 3, 4, 5]));
        assert_eq!(found(&index, "clicked"), ids(&[1, 5]), "a click without a view still counts");
        assert_eq!(found(&index, "clicked>=2"), ids(&[5]));
        assert_eq!(found(&index, "replied"), ids(&[2]));
        assert_eq!(found(&index, "-replied"), ids(&[1, 3, 4, 5]));
    }

    #[test]
    fn date_ranges_include_the_first_day_and_exclude_the_last() {
        let index = sample();
        assert_eq!(found(&index, "created:2026-01-05..2026-01-07"), ids(&[1, 2]));
        assert_eq!(found(&index, "created:2026-01-07"), ids(&[3]));
        assert_eq!(found(&index, "created:..2026-01-05"), ids(&[5]));
        assert_eq!(found(&index, "created:2026-01-07.."), ids(&[3, 4]));
        assert_eq!(found(&index, "sent:.."), ids(&[1, 2, 3, 5]), "only emails that have the instant");
        assert_eq!(found(&index, "scheduled:2026-01-20"), ids(&[4]));
        assert_eq!(found(&index, "failed:2026-01-01..2026-02-01"), ids(&[3]));
        let range = DateRange {
            from: NaiveDate::from_ymd_opt(2026, 1, 1),
            before: NaiveDate::from_ymd_opt(2026, 1, 2),
        };
        assert!(range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
        assert!(range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 23, 59, 59).unwrap()));
        assert!(!range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap()));
    }

    #[test]
    fn person_fields_match_through_the_emails_person() {
        let index = sample();
        assert_eq!(found(&index, "name:souza"), ids(&[1, 4]));
        assert_eq!(found(&index, r#"name:"ana souza""#), ids(&[1, 4]));
        assert_eq!(found(&index, "company:acme"), ids(&[1, 4]));
        assert_eq!(found(&index, "company:ACME"), ids(&[1, 4]));
        assert_eq!(found(&index, "tag:vip"), ids(&[1, 4]), "tags are case-insensitive");
        assert_eq!(found(&index, "tag:vi"), ids(&[]), "a tag is matched whole");
        assert_eq!(found(&index, "-tag:cold"), ids(&[1, 3, 4, 5]));
        assert_eq!(found(&index, "domain:acme.com"), ids(&[1, 3, 4]), "sub.acme.com is another domain");
        assert_eq!(found(&index, "domain:@ACME.com"), ids(&[1, 3, 4]));
    }

    #[test]
    fn subject_text_is_found_case_insensitively() {
        let index = sample();
        assert_eq!(found(&index, "subject:pricing"), ids(&[1]));
        assert_eq!(found(&index, r#"subject:"FOR ACME""#), ids(&[1]));
        assert_eq!(found(&index, "subject:hello"), ids(&[2, 3, 4, 5]));
    }

    #[test]
    fn emails_come_newest_first() {
        let index = sample();
        assert_eq!(index.emails(&Query::everything()), ids(&[4, 3, 2, 1, 5]));
    }

    #[test]
    fn a_person_matches_when_any_of_their_emails_does() {
        let index = sample();
        // Ana has a delivered Q4 email and a scheduled one: each matches a different part.
        assert_eq!(index.people(&q("status:scheduled")), pids(&[1]));
        assert_eq!(index.people(&q("campaign:\"q4 launch\" viewed")), pids(&[1, 2]));
        assert_eq!(index.people(&q("viewed:no")), pids(&[1, 3, 4]), "Ana's scheduled email was not viewed");
        assert!(index.person_matches(&q("subject:pricing"), PersonId::from_u128(1)));
        assert!(!index.person_matches(&q("subject:pricing"), PersonId::from_u128(2)));
        assert!(index.email_matches(&q("replied"), EmailId::from_u128(2)));
        assert!(!index.email_matches(&q("replied"), EmailId::from_u128(99)));
    }

    #[test]
    fn an_email_without_a_person_id_reaches_the_person_with_its_address() {
        let mut index = SearchIndex::new();
        assert_eq!(index.upsert_email(&email(1, None, "eve@gamma.org")), vec![], "nobody has it yet");
        assert_eq!(index.people(&Query::everything()), pids(&[]));
        let mut eve = person(5, "eve@gamma.org");
        eve.tags.insert("vip".into());
        assert_eq!(index.upsert_person(&eve), pids(&[5]));
        assert_eq!(index.people(&q("tag:vip")), pids(&[5]));
        eve.email = EmailAddress::parse("eve@delta.org").expect("address");
        index.upsert_person(&eve);
        assert_eq!(index.people(&q("tag:vip")), pids(&[]), "the email went to the old address");
        assert_eq!(index.upsert_email(&email(2, None, "eve@delta.org")), pids(&[5]));
        assert_eq!(index.people(&q("tag:vip")), pids(&[5]));
    }

    #[test]
    fn engagement_that_arrives_before_its_email_is_kept() {
        let mut index = SearchIndex::new();
        assert_eq!(index.set_engagement(EmailId::from_u128(1), &engaged(1, 1, 0)), vec![]);
        index.upsert_email(&email(1, Some(1), "ana@acme.com"));
        assert_eq!(index.people(&q("viewed clicked")), pids(&[1]));
        let mut edited = email(1, Some(1), "ana@acme.com");
        edited.subject = "Edited".into();
        index.upsert_email(&edited);
        assert_eq!(index.people(&q("viewed clicked subject:edited")), pids(&[1]), "an edit keeps counts");
        assert_eq!(index.set_engagement(EmailId::from_u128(1), &engaged(1, 1, 0)), vec![], "no change");
    }

    #[test]
    fn removing_an_email_removes_it_from_results() {
        let mut index = sample();
        assert_eq!(index.remove_email(EmailId::from_u128(4)), pids(&[1]));
        assert_eq!(index.remove_email(EmailId::from_u128(4)), vec![]);
        assert_eq!(index.len(), 4);
        assert_eq!(index.people(&q("status:scheduled")), pids(&[]));
        index.upsert_email(&email(6, Some(2), "bo@beta.io"));
        assert!(index.contains_email(EmailId::from_u128(6)));
        assert_eq!(index.emails(&q("name:bo")), ids(&[2, 6]), "email 6 is older");
    }

    #[test]
    fn renaming_a_campaign_touches_its_people() {
        let mut index = sample();
        let renamed = Campaign { id: CampaignId::from_u128(1), name: "Q4 Relaunch".into() };
        assert_eq!(sorted_people(index.upsert_campaign(&renamed)), pids(&[1, 2]));
        assert_eq!(index.upsert_campaign(&renamed), vec![], "same name, nothing to do");
        assert_eq!(found(&index, "campaign:\"q4 relaunch\""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:\"q4 launch\""), ids(&[]));
    }

    fn sorted_people(mut people: Vec<PersonId>) -> Vec<PersonId> {
        people.sort();
        people
    }

    // --- the seed scenario and saved searches ---

    /// 100 people in a campaign; 40 viewed, 25 of those clicked, 10 of those replied. Person `n` has
    /// email `n`.
    fn seed() -> (SearchIndex, Campaign) {
        let campaign = Campaign { id: CampaignId::from_u128(9), name: "Q4 launch".into() };
        let people: Vec<Person> = (0..100).map(|n| person(n, &format!("p{n}@acme.com"))).collect();
        let emails: Vec<Email> = (0..100)
            .map(|n| {
                let mut e = email(n, Some(n), &format!("p{n}@acme.com"));
                e.campaign = Some(campaign.id);
                e
            })
            .collect();
        let other = email(1000, Some(0), "p0@acme.com");
        let counts = (0..100u128).map(|n| {
            let (v, c, r) = (n < 40, n < 25, n < 10);
            (EmailId::from_u128(n), engaged(v.into(), c.into(), r.into()))
        });
        let mut all = emails;
        all.push(other);
        (SearchIndex::build(std::slice::from_ref(&campaign), &people, &all, counts), campaign)
    }

    #[test]
    fn the_seed_search_finds_who_viewed_and_clicked_but_did_not_reply() {
        let (mut index, _) = seed();
        let query = q(r#"campaign:"Q4 launch" viewed clicked -replied"#);
        let people = index.people(&query);
        assert_eq!(people, (10..25).map(PersonId::from_u128).collect::<Vec<_>>());
        assert_eq!(people.len(), 15);

        let mut saved = SavedSearches::new();
        let id = SavedSearchId::from_u128(1);
        assert_eq!(saved.insert(&index, SavedSearch { id, name: "Follow up".into(), query }), 15);

        // Person 30 viewed before; now they click too.
        let touched = index.set_engagement(EmailId::from_u128(30), &engaged(1, 1, 0));
        assert_eq!(touched, pids(&[30]));
        let changes = saved.update(&index, &touched);
        assert_eq!(
            changes,
            vec![MembershipChange { search: id, person: PersonId::from_u128(30), entered: true }]
        );
        assert_eq!(saved.count(id), Some(16));

        // Person 12 replies: they leave.
        let touched = index.set_engagement(EmailId::from_u128(12), &engaged(1, 1, 1));
        let changes = saved.update(&index, &touched);
        assert_eq!(
            changes,
            vec![MembershipChange { search: id, person: PersonId::from_u128(12), entered: false }]
        );
        assert_eq!(saved.count(id), Some(15));
        assert!(saved.recompute(&index).is_empty(), "incremental equals full");
    }

    #[test]
    fn saved_searches_can_be_edited_listed_and_removed() {
        let (index, _) = seed();
        let mut saved = SavedSearches::new();
        let (a, b) = (SavedSearchId::from_u128(1), SavedSearchId::from_u128(2));
        saved.insert(&index, SavedSearch { id: a, name: "Viewed".into(), query: q("viewed") });
        saved.insert(&index, SavedSearch { id: b, name: "Replied".into(), query: q("replied") });
        assert_eq!(saved.len(), 2);
        assert_eq!((saved.count(a), saved.count(b)), (Some(40), Some(10)));
        let edited = SavedSearch { id: a, name: "Clicked".into(), query: q("clicked") };
        assert_eq!(saved.insert(&index, edited), 25);
        assert_eq!(saved.len(), 2);
        assert_eq!(saved.get(a).map(|s| s.name.as_str()), Some("Clicked"));
        assert_eq!(saved.searches().map(|s| s.id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(saved.members(b).map(|m| m.len()), Some(10));
        assert_eq!(saved.remove(b).map(|s| s.id), Some(b));
        assert_eq!(saved.count(b), None);
    }
}

#[cfg(test)]
mod properties {
    use std::collections::BTreeMap;

    use super::tests::{email, engaged, person};
    use super::*;
    use crate::people::EmailAddress;
    use chrono::TimeDelta;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::strategy::Union;

    fn count() -> BoxedStrategy<Count> {
        prop_oneof![Just(Count::Yes), Just(Count::No), (0u32..5).prop_map(Count::AtLeast)].boxed()
    }

    fn base_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
    }

    fn range() -> BoxedStrategy<DateRange> {
        (prop::option::of(0i64..40), prop::option::of(1i64..20))
            .prop_map(|(from, len)| {
                let from = from.map(|d| base_day() + TimeDelta::days(d));
                let before = len.map(|k| from.unwrap_or(base_day()) + TimeDelta::days(k));
                DateRange { from, before }
            })
            .boxed()
    }

    fn filter(text: BoxedStrategy<String>) -> BoxedStrategy<Filter> {
        Union::new(vec![
            text.clone().prop_map(Filter::CampaignName).boxed(),
            (0u128..3).prop_map(|n| Filter::CampaignId(CampaignId::from_u128(n))).boxed(),
            select(Folder::ALL.to_vec()).prop_map(Filter::Folder).boxed(),
            select(MainTab::ALL.to_vec()).prop_map(Filter::Tab).boxed(),
            select(Status::ALL.to_vec()).prop_map(Filter::Status).boxed(),
            count().prop_map(Filter::Viewed).boxed(),
            count().prop_map(Filter::Clicked).boxed(),
            count().prop_map(Filter::Replied).boxed(),
            (select(DateField::ALL.to_vec()), range()).prop_map(|(f, r)| Filter::Date(f, r)).boxed(),
            text.clone().prop_map(Filter::Name).boxed(),
            text.clone().prop_map(Filter::Company).boxed(),
            text.clone().prop_map(Filter::Domain).boxed(),
            text.clone().prop_map(Filter::Tag).boxed(),
            text.prop_map(Filter::Subject).boxed(),
        ])
        .boxed()
    }

    fn query(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Query> {
        leaf.prop_map(Query::Term)
            .prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Query::All),
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Query::Any),
                    inner.prop_map(|q| Query::Not(Box::new(q))),
                ]
            })
            .boxed()
    }

    /// Any text, including spaces, quotes, backslashes, parentheses and keywords.
    fn wild_text() -> BoxedStrategy<String> {
        prop_oneof![
            r#"[a-zA-Z0-9 "\\()\-:.>=/é\t]{0,10}"#,
            select(vec!["OR".to_string(), "NOT".into(), "and".into(), "-".into(), "..".into()]),
        ]
        .boxed()
    }

    /// A few values that the sample data below actually contains.
    fn data_text() -> BoxedStrategy<String> {
        select(
            ["q4 launch", "Spring", "ana", "SOUZA", "acme", "beta.io", "acme.com", "vip", "pricing", ""]
                .map(String::from)
                .to_vec(),
        )
        .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Printing a normal query and parsing it gives it back, and prints the same again.
        #[test]
        fn printing_then_parsing_gives_the_same_query(raw in query(filter(wild_text()))) {
            let query = raw.normalized();
            let text = query.to_string();
            let parsed = Query::parse(&text);
            prop_assert_eq!(parsed.as_ref(), Ok(&query), "text: {}", text);
            prop_assert_eq!(parsed.map(|p| p.to_string()).unwrap_or_default(), text);
        }

        /// Normalising twice changes nothing more, and never changes what a query means.
        #[test]
        fn normalising_is_idempotent(raw in query(filter(wild_text()))) {
            let once = raw.clone().normalized();
            prop_assert_eq!(once.clone().normalized(), once);
        }

        /// Any text either parses or fails with an error; what parses prints to something that parses
        /// to the same query.
        #[test]
        fn any_text_parses_or_fails_cleanly(text in r#"[a-z:>=" \\()\-.0-9OR]{0,30}"#) {
            if let Ok(query) = Query::parse(&text) {
                prop_assert_eq!(Query::parse(&query.to_string()), Ok(query));
            }
        }
    }

    // --- the index against a plain reading of the records ---

    /// The records as they are, read directly: what the index must agree with.
    #[derive(Default, Debug)]
    struct Model {
        emails: BTreeMap<EmailId, Email>,
        people: BTreeMap<PersonId, Person>,
        campaigns: BTreeMap<CampaignId, Campaign>,
        engagement: BTreeMap<EmailId, EmailEngagement>,
    }

    impl Model {
        /// The person an email reaches (by id, else by address) and their record if known.
        fn person_of(&self, email: &Email) -> Option<(PersonId, Option<&Person>)> {
            match email.person {
                Some(id) => Some((id, self.people.get(&id))),
                None => self.people.values().find(|p| p.email == email.recipient).map(|p| (p.id, Some(p))),
            }
        }

        fn matches(&self, query: &Query, email: &Email) -> bool {
            match query {
                Query::All(parts) => parts.iter().all(|p| self.matches(p, email)),
                Query::Any(parts) => parts.iter().any(|p| self.matches(p, email)),
                Query::Not(inner) => !self.matches(inner, email),
                Query::Term(filter) => self.filter(filter, email),
            }
        }

        fn filter(&self, filter: &Filter, email: &Email) -> bool {
            let norm = |s: &str| s.trim().to_lowercase();
            let engagement = self.engagement.get(&email.id).cloned().unwrap_or_default();
            let person = self.person_of(email);
            let field = |f: fn(&Person) -> String| -> Option<String> {
                person.map(|(_, p)| p.map(f).unwrap_or_default())
            };
            match filter {
                Filter::CampaignName(name) => email.campaign.is_some_and(|c| {
                    norm(self.campaigns.get(&c).map(|c| c.name.as_str()).unwrap_or("")) == norm(name)
                }),
                Filter::CampaignId(id) => email.campaign == Some(*id),
                Filter::Folder(folder) => email.folder() == *folder,
                Filter::Tab(tab) => email.folder().main_tab() == *tab,
                Filter::Status(status) => email.status == *status,
                Filter::Viewed(count) => count.accepts(engagement.views_human),
                Filter::Clicked(count) => count.accepts(engagement.clicks_human),
                Filter::Replied(count) => count.accepts(engagement.replies),
                Filter::Date(field, range) => field.of(email).is_some_and(|t| range.contains(t)),
                Filter::Name(text) => field(|p| format!("{} {}", p.first_name.trim(), p.last_name.trim()))
                    .is_some_and(|name| norm(&name).contains(&norm(text))),
                Filter::Company(text) => {
                    field(|p| p.company.clone()).is_some_and(|c| norm(&c).contains(&norm(text)))
                }
                Filter::Tag(text) => person
                    .is_some_and(|(_, p)| p.is_some_and(|p| p.tags.iter().any(|t| norm(t) == norm(text)))),
                Filter::Domain(text) => email.recipient.domain() == norm(text.trim().trim_start_matches('@')),
                Filter::Subject(text) => email.subject.to_lowercase().contains(&norm(text)),
            }
        }

        fn emails(&self, query: &Query) -> BTreeSet<EmailId> {
            self.emails.values().filter(|e| self.matches(query, e)).map(|e| e.id).collect()
        }

        fn people(&self, query: &Query) -> BTreeSet<PersonId> {
            self.emails
                .values()
                .filter(|e| self.matches(query, e))
                .filter_map(|e| self.person_of(e).map(|(id, _)| id))
                .collect()
        }
    }

    #[derive(Clone, Debug)]
    enum Change {
        Email(Email),
        Person(Person),
        Campaign(Campaign),
        Engagement(EmailId, EmailEngagement),
        Remove(EmailId),
    }

    fn day(d: i64) -> Instant {
        base_day().and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::hours(d * 24 + 9)
    }

    /// Person `k`'s address: one of two that only they can have, at one of two domains.
    fn address(k: u128, variant: u8, domain: u8) -> String {
        format!("p{k}.{variant}@{}", if domain == 0 { "acme.com" } else { "beta.io" })
    }

    fn a_person() -> BoxedStrategy<Person> {
        (
            0u128..6,
            0u8..2,
            0u8..2,
            select(vec!["Ana", "Bo", ""]),
            select(vec!["Souza", "Li", ""]),
            select(vec!["Acme Inc", "Beta", ""]),
            prop::collection::btree_set(select(vec!["vip", "cold", "VIP"]), 0..3),
        )
            .prop_map(|(k, variant, domain, first, last, company, tags)| {
                let mut p = person(k, &address(k, variant, domain));
                p.first_name = first.into();
                p.last_name = last.into();
                p.company = company.into();
                p.tags = tags.into_iter().map(String::from).collect();
                p
            })
            .boxed()
    }

    fn an_email() -> BoxedStrategy<Email> {
        (
            (0u128..10, prop::option::of(0u128..6), 0u128..7, 0u8..2, 0u8..2),
            (prop::option::of(0u128..3), select(Status::ALL.to_vec())),
            (0i64..40, prop::option::of(0i64..40), prop::option::of(0i64..40), prop::option::of(0i64..40)),
            select(vec!["Pricing for Acme", "hello", "PRICING update", ""]),
        )
            .prop_map(|((n, person, k, variant, domain), (campaign, status), dates, subject)| {
                // k == 6 is an address nobody has.
                let mut e = email(n, person, &address(k, variant, domain));
                e.campaign = campaign.map(CampaignId::from_u128);
                e.status = status;
                e.created_at = day(dates.0);
                e.sent_at = dates.1.map(day);
                e.schedule =
                    dates.2.map(|d| crate::Schedule { at: day(d), time_zone: "Europe/Lisbon".into() });
                e.failed_at = dates.3.map(day);
                e.subject = subject.into();
                e
            })
            .boxed()
    }

    fn a_change() -> BoxedStrategy<Change> {
        prop_oneof![
            4 => an_email().prop_map(Change::Email),
            2 => a_person().prop_map(Change::Person),
            1 => (0u128..3, select(vec!["Q4 launch", "q4 LAUNCH ", "Spring"])).prop_map(|(n, name)| {
                Change::Campaign(Campaign { id: CampaignId::from_u128(n), name: name.into() })
            }),
            5 => (0u128..10, 0u32..4, 0u32..3, 0u32..2)
                .prop_map(|(n, v, c, r)| Change::Engagement(EmailId::from_u128(n), engaged(v, c, r))),
            1 => (0u128..10).prop_map(|n| Change::Remove(EmailId::from_u128(n))),
        ]
        .boxed()
    }

    fn apply(index: &mut SearchIndex, model: &mut Model, change: &Change) -> Vec<PersonId> {
        match change {
            Change::Email(e) => {
                model.emails.insert(e.id, e.clone());
                index.upsert_email(e)
            }
            Change::Person(p) => {
                model.people.insert(p.id, p.clone());
                index.upsert_person(p)
            }
            Change::Campaign(c) => {
                model.campaigns.insert(c.id, c.clone());
                index.upsert_campaign(c)
            }
            Change::Engagement(id, counts) => {
                model.engagement.insert(*id, counts.clone());
                index.set_engagement(*id, counts)
            }
            Change::Remove(id) => {
                model.emails.remove(id);
                model.engagement.remove(id);
                index.remove_email(*id)
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// After random changes, the index answers every query as a plain reading of the records does,
        /// for emails and for people.
        #[test]
        fn the_index_agrees_with_a_plain_reading_of_the_records(
            changes in prop::collection::vec(a_change(), 0..40),
            queries in prop::collection::vec(query(filter(data_text())), 1..8),
        ) {
            let (mut index, mut model) = (SearchIndex::new(), Model::default());
            for change in &changes {
                apply(&mut index, &mut model, change);
            }
            prop_assert_eq!(index.len(), model.emails.len());
            for query in &queries {
                let emails = index.emails(query);
                prop_assert_eq!(emails.iter().copied().collect::<BTreeSet<_>>(), model.emails(query));
                let people = index.people(query);
                prop_assert!(people.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
                prop_assert_eq!(people.into_iter().collect::<BTreeSet<_>>(), model.people(query));
            }
        }

        /// After every change, membership kept up to date incrementally equals a full re-evaluation.
        #[test]
        fn incremental_membership_equals_full_reevaluation(
            start in prop::collection::vec(a_change(), 0..20),
            changes in prop::collection::vec(a_change(), 1..40),
            queries in prop::collection::vec(query(filter(data_text())), 1..6),
        ) {
            let (mut index, mut model) = (SearchIndex::new(), Model::default());
            for change in &start {
                apply(&mut index, &mut model, change);
            }
            let mut saved = SavedSearches::new();
            for (n, query) in queries.iter().enumerate() {
                let id = SavedSearchId::from_u128(n as u128);
                saved.insert(&index, SavedSearch { id, name: format!("search {n}"), query: query.clone() });
            }
            for change in &changes {
                let before: Vec<BTreeSet<PersonId>> =
                    saved.searches().filter_map(|s| saved.members(s.id).cloned()).collect();
                let touched = apply(&mut index, &mut model, change);
                let reported = saved.update(&index, &touched);
                for (n, search) in saved.searches().enumerate() {
                    let full = model.people(&search.query);
                    prop_assert_eq!(saved.members(search.id), Some(&full), "after {:?}", change);
                    // The reported changes are exactly the difference.
                    let entered: BTreeSet<PersonId> = reported.iter()
                        .filter(|c| c.search == search.id && c.entered).map(|c| c.person).collect();
                    let left: BTreeSet<PersonId> = reported.iter()
                        .filter(|c| c.search == search.id && !c.entered).map(|c| c.person).collect();
                    prop_assert_eq!(&entered, &full.difference(&before[n]).copied().collect());
                    prop_assert_eq!(&left, &before[n].difference(&full).copied().collect());
                }
            }
            prop_assert!(saved.recompute(&index).is_empty());
        }
    }

    #[test]
    fn a_persons_address_never_collides_in_the_generator() {
        // The model links by address with `find`; the generator keeps addresses unique per person.
        assert_ne!(address(1, 0, 0), address(2, 0, 0));
        assert!(EmailAddress::parse(&address(5, 1, 1)).is_ok());
    }
    #[test]
    fn builder_rows_and_the_text_form_round_trip() {
        let query = Query::parse(r#"campaign:"Q4 launch" viewed clicked -replied company:acme"#).unwrap();
        let rows = query.conditions().expect("a plain AND fits the builder");
        assert_eq!(rows.len(), 5);
        assert!(rows[3].negated);
        assert_eq!(rows[3].filter, Filter::Replied(Count::Yes));
        let back = Query::from_conditions(&rows);
        assert_eq!(back, query);
        assert_eq!(Query::parse(&back.to_string()).unwrap(), back);
        assert_eq!(Query::everything().conditions(), Some(vec![]));
        assert_eq!(Query::from_conditions(&[]), Query::everything());
        assert_eq!(Query::parse("viewed OR clicked").unwrap().conditions(), None, "OR needs the text form");
        assert_eq!(Query::parse("-(viewed clicked)").unwrap().conditions(), None);
    }
}
