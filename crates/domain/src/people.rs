//! People and campaigns, the email addresses that reach them, and the merge fields templates fill in.
//!
//! Owns address validation and normalisation, and template rendering. A template that names a field the
//! person lacks is an error, never an email with a hole in it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ids::{CampaignId, PersonId};

/// An email address that has been checked and normalised (trimmed, lower-case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct EmailAddress(String);

/// Why a text is not an email address we can send to.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AddressError {
    #[error("the email address is empty")]
    Empty,
    #[error("\"{0}\" contains a line break or control character")]
    ControlCharacter(String),
    #[error("\"{0}\" is not an email address (expected something like name@company.com)")]
    Syntax(String),
    #[error("\"{0}\" has no domain with a dot (expected something like name@company.com)")]
    NoPublicDomain(String),
    #[error("\"{0}\" is longer than 254 characters")]
    TooLong(String),
}

impl EmailAddress {
    /// Checks and normalises `text`. Display names (`Ana <ana@x.com>`), IP-literal domains, control
    /// characters (a header injection attempt) and single-label domains are refused.
    pub fn parse(text: &str) -> Result<EmailAddress, AddressError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(AddressError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(AddressError::ControlCharacter(trimmed.escape_debug().to_string()));
        }
        if trimmed.len() > 254 {
            let start: String = trimmed.chars().take(40).collect();
            return Err(AddressError::TooLong(format!("{start}…")));
        }
        let lowered = trimmed.to_lowercase();
        let parsed = email_address::EmailAddress::parse_with_options(
            &lowered,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .map_err(|_| AddressError::Syntax(trimmed.to_string()))?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(AddressError::NoPublicDomain(trimmed.to_string()));
        }
        if lowered.contains(' ') || lowered.contains('"') {
            return Err(AddressError::Syntax(trimmed.to_string()));
        }
        Ok(EmailAddress(lowered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    /// Deserialising validates too: an address from the network or a cache is checked like one typed in.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        EmailAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Someone the rep emails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: PersonId,
    pub email: EmailAddress,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub phone: String,
    /// IANA time zone, e.g. `America/Sao_Paulo`; empty when unknown.
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub tags: BTreeSet<String>,
}

impl Person {
    pub fn new(id: PersonId, email: EmailAddress) -> Person {
        Person {
            id,
            email,
            first_name: String::new(),
            last_name: String::new(),
            company: String::new(),
            title: String::new(),
            phone: String::new(),
            time_zone: String::new(),
            tags: BTreeSet::new(),
        }
    }

    /// The name to show: "First Last", or the address when the person has no name.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        let name = name.trim();
        if name.is_empty() { self.email.to_string() } else { name.to_string() }
    }

    /// The value of a merge field for this person, if the field is known and the person has a value.
    pub fn merge_field(&self, field: MergeField) -> Option<String> {
        let value = match field {
            MergeField::FirstName => self.first_name.clone(),
            MergeField::LastName => self.last_name.clone(),
            MergeField::FullName => {
                let full = self.display_name();
                if full == self.email.as_str() { String::new() } else { full }
            }
            MergeField::Email => self.email.to_string(),
            MergeField::Company => self.company.clone(),
            MergeField::Title => self.title.clone(),
            MergeField::Domain => self.email.domain().to_string(),
        };
        let value = value.trim().to_string();
        if value.is_empty() { None } else { Some(value) }
    }
}

/// A campaign emails can belong to. Campaign emails cannot be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
}

/// A name a rep gives a record (a campaign, a saved search) that must have one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {0} needs a name")]
pub struct MissingName(pub &'static str);

/// The name `text` gives a `what` (surrounding spaces dropped), or why it gives none.
pub fn record_name(what: &'static str, text: &str) -> Result<String, MissingName> {
    let name = text.trim();
    if name.is_empty() { Err(MissingName(what)) } else { Ok(name.to_string()) }
}

impl Campaign {
    /// Checks what a campaign needs: a name.
    pub fn validate(&self) -> Result<(), MissingName> {
        record_name("campaign", &self.name).map(|_| ())
    }
}

/// A field a template can name as `{{field}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MergeField {
    FirstName,
    LastName,
    FullName,
    Email,
    Company,
    Title,
    Domain,
}

impl MergeField {
    pub const ALL: [MergeField; 7] = [
        MergeField::FirstName,
        MergeField::LastName,
        MergeField::FullName,
        MergeField::Email,
        MergeField::Company,
        MergeField::Title,
        MergeField::Domain,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MergeField::FirstName => "first_name",
            MergeField::LastName => "last_name",
            MergeField::FullName => "full_name",
            MergeField::Email => "email",
            MergeField::Company => "company",
            MergeField::Title => "title",
            MergeField::Domain => "domain",
        }
    }

    pub fn from_name(name: &str) -> Option<MergeField> {
        MergeField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Why a template could not be filled in for a person.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MergeError {
    #[error("the template names {{{{{0}}}}}, which is not a merge field")]
    UnknownField(String),
    #[error("{person} has no value for {{{{{field}}}}}")]
    MissingValue { field: String, person: String },
    #[error("a {{{{ in the template is never closed")]
    Unclosed,
}

/// The merge fields a template names, in order of first use, or the first error in it.
pub fn template_fields(template: &str) -> Result<Vec<MergeField>, MergeError> {
    let mut fields = Vec::new();
    for piece in tokenize(template) {
        if let Piece::Field(name) = piece? {
            let field = MergeField::from_name(name).ok_or_else(|| MergeError::UnknownField(name.into()))?;
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }
    Ok(fields)
}

/// Fills in every `{{field}}` of `template` for `person`. Any unknown field or missing value is an error:
/// such an email goes to Failed instead of out with a hole in it.
pub fn render_template(template: &str, person: &Person) -> Result<String, MergeError> {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in tokenize(template) {
        match piece? {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(name) => {
                let field =
                    MergeField::from_name(name).ok_or_else(|| MergeError::UnknownField(name.into()))?;
                let value = person.merge_field(field).ok_or_else(|| MergeError::MissingValue {
                    field: name.to_string(),
                    person: person.email.to_string(),
                })?;
                out.push_str(&value);
            }
        }
    }
    Ok(out)
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn tokenize(template: &str) -> impl Iterator<Item = Result<Piece<'_>, MergeError>> {
    let mut rest = template;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find("{{") {
            Some(0) => match rest.find("}}") {
                Some(end) => {
                    let name = rest[2..end].trim();
                    rest = &rest[end + 2..];
                    Some(Ok(Piece::Field(name)))
                }
                None => {
                    rest = "";
                    Some(Err(MergeError::Unclosed))
                }
            },
            Some(start) => {
                let text = &rest[..start];
                rest = &rest[start..];
                Some(Ok(Piece::Text(text)))
            }
            None => {
                let text = rest;
                rest = "";
                Some(Ok(Piece::Text(text)))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> Person {
        let mut p = Person::new(PersonId::from_u128(1), EmailAddress::parse("Ana@Acme.com").unwrap());
        p.first_name = "Ana".into();
        p.company = "Acme".into();
        p
    }

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let a = EmailAddress::parse("  Ana.Souza@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "ana.souza@example.com");
        assert_eq!(a.domain(), "example.com");
    }

    #[test]
    fn wrong_addresses_say_what_is_wrong() {
        assert_eq!(EmailAddress::parse("  "), Err(AddressError::Empty));
        assert!(matches!(EmailAddress::parse("ana"), Err(AddressError::Syntax(_))));
        assert!(matches!(EmailAddress::parse("ana@@x.com"), Err(AddressError::Syntax(_))));
        assert!(matches!(EmailAddress::parse("Ana <ana@x.com>"), Err(AddressError::Syntax(_))));
        assert!(matches!(EmailAddress::parse("ana@localhost"), Err(AddressError::NoPublicDomain(_))));
        let err = EmailAddress::parse("ana@x.com\r\nBcc: all@x.com").unwrap_err();
        assert!(matches!(err, AddressError::ControlCharacter(_)));
        assert!(err.to_string().contains("line break"));
        let long = format!("{}@x.com", "a".repeat(300));
        assert!(matches!(EmailAddress::parse(&long), Err(AddressError::TooLong(_))));
        // The message quotes the start of the text, cut between characters, never inside one.
        let accented = format!("{}é{}@x.com", "a".repeat(39), "b".repeat(300));
        let Err(AddressError::TooLong(start)) = EmailAddress::parse(&accented) else { panic!("too long") };
        assert_eq!(start, format!("{}é…", "a".repeat(39)));
    }

    #[test]
    fn deserialising_validates_the_address() {
        let ok: EmailAddress = serde_json::from_str("\"Bo@X.io\"").unwrap();
        assert_eq!(ok.as_str(), "bo@x.io");
        assert!(serde_json::from_str::<EmailAddress>("\"not an address\"").is_err());
    }

    #[test]
    fn a_template_is_filled_in_per_person() {
        let body = render_template("Hi {{first_name}}, how is {{ company }}?", &ana()).unwrap();
        assert_eq!(body, "Hi Ana, how is Acme?");
        assert_eq!(
            template_fields("{{first_name}} {{company}} {{first_name}}").unwrap(),
            vec![MergeField::FirstName, MergeField::Company]
        );
    }

    #[test]
    fn an_unknown_or_missing_field_is_an_error_not_a_hole() {
        assert_eq!(
            render_template("Hi {{nickname}}", &ana()),
            Err(MergeError::UnknownField("nickname".into()))
        );
        let err = render_template("Dear {{last_name}}", &ana()).unwrap_err();
        assert_eq!(
            err,
            MergeError::MissingValue { field: "last_name".into(), person: "ana@acme.com".into() }
        );
        assert_eq!(err.to_string(), "ana@acme.com has no value for {{last_name}}");
        assert_eq!(render_template("Hi {{first_name", &ana()), Err(MergeError::Unclosed));
    }
}
