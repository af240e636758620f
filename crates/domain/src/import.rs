//! Importing people from a CSV file: which columns are understood, what makes a row good, and the report
//! of the rows that are not (each with its line and the reason), so good rows are kept and bad ones fixed.
//!
//! Owns the reading of the file's text only; the caller gives each new person an id, and decides whether a
//! row updates someone it already has (same address).
//!
//! Columns (the first row names them; case, accents, spaces, `-` and `_` do not matter; English,
//! Portuguese and Italian names): `name` (split at the first space into first and last name), or
//! `first name` and `last name`; `email` (required); `company`; `title`; `phone`; `time zone` (an IANA name,
//! e.g. `America/Sao_Paulo`); `tags` (separated by `;`, `|` or `,`).

use std::collections::{BTreeSet, HashSet};

use thiserror::Error;

use crate::ids::PersonId;
use crate::people::{AddressError, EmailAddress, Person};

/// The most rows one import reads.
pub const MAX_ROWS: usize = 10_000;

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// The line of the file (1 is the header).
    pub line: u64,
    pub problem: RowProblem,
}

/// What is wrong with a row.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RowProblem {
    #[error("the row has no email address")]
    NoAddress,
    #[error(transparent)]
    BadAddress(#[from] AddressError),
    #[error("\"{0}\" is not a known time zone")]
    UnknownTimeZone(String),
    #[error("{0} appears twice in the file; the first row is kept")]
    Duplicate(String),
    #[error("the row cannot be read as CSV: {0}")]
    Unreadable(String),
    #[error("the file has more than {MAX_ROWS} rows; the rest was not read")]
    TooManyRows,
}

/// Why a file cannot be imported at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has no email column (the first row must name the columns, e.g. name,email,company)")]
    NoEmailColumn,
    #[error("the file cannot be read as CSV: {0}")]
    Unreadable(String),
}

/// What an import found.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub people: Vec<Person>,
    pub bad: Vec<BadRow>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    FirstName,
    LastName,
    Email,
    Company,
    Title,
    Phone,
    TimeZone,
    Tags,
}

fn column(header: &str) -> Option<Column> {
    let folded: String = header
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ê' => 'e',
            'í' | 'ì' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect();
    let key: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    Some(match key.as_str() {
        "name" | "fullname" | "contact" | "nome" | "nomecompleto" | "contato" | "contatto" => Column::Name,
        "firstname" | "givenname" | "primeironome" | "nomeproprio" => Column::FirstName,
        "lastname" | "surname" | "familyname" | "sobrenome" | "cognome" => Column::LastName,
        "email" | "emailaddress" | "mail" | "enderecodeemail" | "indirizzoemail" => Column::Email,
        "company" | "organization" | "organisation" | "account" | "empresa" | "azienda" | "societa" => {
            Column::Company
        }
        "title" | "jobtitle" | "cargo" | "ruolo" | "titolo" => Column::Title,
        "phone" | "phonenumber" | "telephone" | "telefone" | "telefono" => Column::Phone,
        "timezone" | "tz" | "zone" | "fusohorario" | "fusoorario" => Column::TimeZone,
        "tags" | "tag" | "labels" | "etiquetas" | "etichette" => Column::Tags,
        _ => return None,
    })
}

/// Reads people from the text of a CSV file. `new_id` gives each person read an id.
pub fn import_csv(text: &str, mut new_id: impl FnMut() -> PersonId) -> Result<ImportReport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| ImportError::Unreadable(e.to_string()))?.clone();
    let mut columns: Vec<Option<Column>> = headers.iter().map(column).collect();
    // "Nome" beside "Cognome" / "Sobrenome" is a first name, not a whole one.
    if columns.contains(&Some(Column::LastName)) && !columns.contains(&Some(Column::FirstName)) {
        for c in columns.iter_mut().filter(|c| **c == Some(Column::Name)) {
            *c = Some(Column::FirstName);
        }
    }
    if !columns.contains(&Some(Column::Email)) {
        return Err(ImportError::NoEmailColumn);
    }
    let mut report = ImportReport::default();
    let mut seen: HashSet<EmailAddress> = HashSet::new();
    for (n, row) in reader.records().enumerate() {
        let line = n as u64 + 2;
        if n >= MAX_ROWS {
            report.bad.push(BadRow { line, problem: RowProblem::TooManyRows });
            break;
        }
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                report.bad.push(BadRow { line, problem: RowProblem::Unreadable(e.to_string()) });
                continue;
            }
        };
        if row.iter().all(str::is_empty) {
            continue;
        }
        match person(&columns, &row, &mut new_id) {
            Ok(person) if !seen.insert(person.email.clone()) => {
                report.bad.push(BadRow { line, problem: RowProblem::Duplicate(person.email.to_string()) });
            }
            Ok(person) => report.people.push(person),
            Err(problem) => report.bad.push(BadRow { line, problem }),
        }
    }
    Ok(report)
}

fn person(
    columns: &[Option<Column>],
    row: &csv::StringRecord,
    new_id: &mut impl FnMut() -> PersonId,
) -> Result<Person, RowProblem> {
    let value = |wanted: Column| -> String {
        columns
            .iter()
            .zip(row.iter())
            .find(|(c, _)| **c == Some(wanted))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let address = value(Column::Email);
    if address.is_empty() {
        return Err(RowProblem::NoAddress);
    }
    let email = EmailAddress::parse(&address)?;
    let time_zone = value(Column::TimeZone);
    if !time_zone.is_empty() && time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(RowProblem::UnknownTimeZone(time_zone));
    }
    let mut person = Person::new(new_id(), email);
    let (mut first, mut last) = (value(Column::FirstName), value(Column::LastName));
    let name = value(Column::Name);
    if first.is_empty() && last.is_empty() && !name.is_empty() {
        match name.split_once(char::is_whitespace) {
            Some((f, l)) => (first, last) = (f.trim().to_string(), l.trim().to_string()),
            None => first = name,
        }
    }
    person.first_name = first;
    person.last_name = last;
    person.company = value(Column::Company);
    person.title = value(Column::Title);
    person.phone = value(Column::Phone);
    person.time_zone = time_zone;
    person.tags = value(Column::Tags)
        .split([';', '|', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect::<BTreeSet<_>>();
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> PersonId {
        let mut n = 0;
        move || {
            n += 1;
            PersonId::from_u128(n)
        }
    }

    #[test]
    fn good_rows_are_kept_and_bad_ones_reported_with_their_line() {
        let text = "Name,Email,Company,Time zone,Tags\n\
                    Ana Silva,ana@acme.example.com,Acme,America/Sao_Paulo,lead;q4\n\
                    Bo,not-an-address,Beta,,\n\
                    Carla Rossi,carla@beta.example.com,Beta,Mars/Base,\n\
                    ,,,,\n\
                    Dan,DAN@acme.example.com,Acme,,\n\
                    Dan again,dan@acme.example.com,Acme,,\n\
                    Eve,,Acme,,\n";
        let report = import_csv(text, ids()).unwrap();
        let names: Vec<String> = report.people.iter().map(Person::display_name).collect();
        assert_eq!(names, vec!["Ana Silva", "Dan"]);
        let ana = &report.people[0];
        assert_eq!(ana.company, "Acme");
        assert_eq!(ana.time_zone, "America/Sao_Paulo");
        assert_eq!(ana.tags.iter().cloned().collect::<Vec<_>>(), vec!["lead", "q4"]);
        assert_eq!(report.people[1].email.as_str(), "dan@acme.example.com");
        let bad: Vec<(u64, String)> = report.bad.iter().map(|b| (b.line, b.problem.to_string())).collect();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert_eq!(bad[0].0, 3);
        assert!(bad[0].1.contains("not-an-address"));
        assert_eq!(bad[1], (4, "\"Mars/Base\" is not a known time zone".to_string()));
        assert_eq!(bad[2].0, 7);
        assert!(bad[2].1.contains("appears twice"));
        assert_eq!(bad[3], (8, "the row has no email address".to_string()));
    }

    #[test]
    fn headers_are_matched_loosely_and_first_last_names_are_read() {
        let text = "\u{feff}first_name;last-name;E-mail\nAna;Silva;ana@acme.example.com\n";
        // Semicolons are not the delimiter: the whole line is one column with no email column.
        assert_eq!(import_csv(text, ids()), Err(ImportError::NoEmailColumn));
        let text = "First Name,Last Name,E-mail\nAna,Silva,ana@acme.example.com\n";
        let report = import_csv(text, ids()).unwrap();
        assert_eq!(report.people[0].first_name, "Ana");
        assert_eq!(report.people[0].last_name, "Silva");
    }

    #[test]
    fn portuguese_and_italian_headers_are_understood() {
        let pt = "Nome,E-mail,Empresa,Fuso horário,Etiquetas\nAna Silva,ana@acme.example.com,Acme,America/Sao_Paulo,lead\n";
        let ana = &import_csv(pt, ids()).unwrap().people[0];
        assert_eq!(
            (ana.first_name.as_str(), ana.last_name.as_str(), ana.company.as_str()),
            ("Ana", "Silva", "Acme")
        );
        assert_eq!(ana.time_zone, "America/Sao_Paulo");
        let it = "Nome,Cognome,Email,Azienda\nCarla,Rossi,carla@beta.example.com,Beta\n";
        let carla = &import_csv(it, ids()).unwrap().people[0];
        assert_eq!(
            (carla.first_name.as_str(), carla.last_name.as_str(), carla.company.as_str()),
            ("Carla", "Rossi", "Beta")
        );
    }

    #[test]
    fn an_empty_file_or_a_header_injection_is_refused_clearly() {
        assert_eq!(import_csv("  \n", ids()), Err(ImportError::Empty));
        let text = "name,email\nMallory,\"mallory@evil.example.com\r\nBcc: all@x.example.com\"\n";
        let report = import_csv(text, ids()).unwrap();
        assert!(report.people.is_empty());
        assert!(matches!(report.bad[0].problem, RowProblem::BadAddress(_)), "{:?}", report.bad);
    }
}
