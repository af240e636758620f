//! Reading a search's text form: the lexer (parentheses, `-` and words), the parser (OR looser than AND,
//! juxtaposition is AND, NOT and `-` negate), and errors that say what is wrong and at which character.

use std::str::FromStr;

use chrono::NaiveDate;
use thiserror::Error;

use super::print::status_name;
use super::query::{Count, DateField, DateRange, Filter, Query};
use crate::folder::MainTab;
use crate::status::Status;

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

impl Query {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fixtures::{not, q, term};

    fn error(text: &str) -> QueryError {
        Query::parse(text).expect_err(text)
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
}
