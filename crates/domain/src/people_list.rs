//! The people list (`/people`): who a search finds and in what order.
//!
//! A person is found when every word of the search is in their name, their address or their company,
//! compared as the rep reads them: without case and accents ("joao souza" finds "João Souza"). Taking the
//! accents off needs Unicode's tables, which the app borrows from the browser, so the caller hands in the
//! folding once per person ([`ListedPerson::new`]); the rule is here.

use std::cmp::Ordering;

use crate::ids::PersonId;
use crate::people::Person;

/// What the list is ordered by. Ties go by name, then address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PeopleSort {
    #[default]
    Name,
    Company,
    Email,
}

impl PeopleSort {
    pub const ALL: [PeopleSort; 3] = [PeopleSort::Name, PeopleSort::Company, PeopleSort::Email];

    /// The order's name in the list's address (`?sort=company`).
    pub fn name(self) -> &'static str {
        match self {
            PeopleSort::Name => "name",
            PeopleSort::Company => "company",
            PeopleSort::Email => "email",
        }
    }

    pub fn from_name(name: &str) -> Option<PeopleSort> {
        PeopleSort::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One person as the list compares them: each field folded once (no case, no accents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedPerson {
    pub id: PersonId,
    name: String,
    company: String,
    email: String,
}

/// Splits what one call of the folding gave back for a name and a company.
const SEPARATOR: char = '\u{1}';

impl ListedPerson {
    /// `person` as the list compares them; `fold` takes case and accents off a text (it is called once).
    pub fn new(person: &Person, fold: impl Fn(&str) -> String) -> ListedPerson {
        let both = fold(&format!("{}{SEPARATOR}{}", person.display_name(), person.company.trim()));
        let (name, company) = both.split_once(SEPARATOR).unwrap_or((&both, ""));
        ListedPerson {
            id: person.id,
            name: name.to_string(),
            company: company.to_string(),
            email: person.email.as_str().to_string(),
        }
    }

    /// Whether every word of `search` (already folded) is in the name, the address or the company.
    pub fn matches(&self, search: &str) -> bool {
        search
            .split_whitespace()
            .all(|word| self.name.contains(word) || self.email.contains(word) || self.company.contains(word))
    }

    fn compare(&self, other: &ListedPerson, sort: PeopleSort) -> Ordering {
        let first = match sort {
            PeopleSort::Name => Ordering::Equal,
            // People with no company come after those with one.
            PeopleSort::Company => {
                (self.company.is_empty(), &self.company).cmp(&(other.company.is_empty(), &other.company))
            }
            PeopleSort::Email => self.email.cmp(&other.email),
        };
        first.then_with(|| self.name.cmp(&other.name)).then_with(|| self.email.cmp(&other.email))
    }
}

/// The people `search` (already folded) finds among `people`, in `sort`'s order (reversed when
/// `descending`).
pub fn list_people<'a>(
    people: &'a [ListedPerson],
    search: &str,
    sort: PeopleSort,
    descending: bool,
) -> Vec<&'a ListedPerson> {
    let mut found: Vec<&ListedPerson> = people.iter().filter(|p| p.matches(search)).collect();
    found.sort_unstable_by(|a, b| {
        let order = a.compare(b, sort);
        if descending { order.reverse() } else { order }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::EmailAddress;

    /// Folding as the browser does it, for the letters these tests use.
    fn fold(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                'ã' | 'á' | 'Á' => 'a',
                'é' => 'e',
                c => c,
            })
            .collect::<String>()
            .to_lowercase()
    }

    fn person(n: u128, first: &str, last: &str, email: &str, company: &str) -> ListedPerson {
        let mut p = Person::new(PersonId::from_u128(n), EmailAddress::parse(email).unwrap());
        p.first_name = first.into();
        p.last_name = last.into();
        p.company = company.into();
        ListedPerson::new(&p, fold)
    }

    fn people() -> Vec<ListedPerson> {
        vec![
            person(1, "João", "Souza", "joao@globex.example", "Globex"),
            person(2, "Ana", "Rossi", "ana@acme.example", "Acme"),
            person(3, "Álvaro", "Lima", "alvaro@zeta.example", ""),
            person(4, "", "", "nobody@acme.example", "Acme"),
        ]
    }

    fn names(found: Vec<&ListedPerson>) -> Vec<u128> {
        found.into_iter().map(|p| p.id.0.as_u128()).collect()
    }

    #[test]
    fn every_word_is_looked_for_in_the_name_the_address_and_the_company_without_case_or_accents() {
        let all = people();
        assert_eq!(names(list_people(&all, "joao souza", PeopleSort::Name, false)), vec![1]);
        assert_eq!(names(list_people(&all, "acme", PeopleSort::Name, false)), vec![2, 4]);
        assert_eq!(names(list_people(&all, "ana acme", PeopleSort::Name, false)), vec![2]);
        assert_eq!(names(list_people(&all, "zeta.example", PeopleSort::Name, false)), vec![3]);
        assert!(list_people(&all, "ana globex", PeopleSort::Name, false).is_empty());
        assert_eq!(list_people(&all, "  ", PeopleSort::Name, false).len(), 4, "no words: everyone");
    }

    #[test]
    fn names_sort_as_read_and_people_without_a_company_come_last_by_company() {
        let all = people();
        // "Álvaro" before "Ana"; a person with no name goes by their address.
        assert_eq!(names(list_people(&all, "", PeopleSort::Name, false)), vec![3, 2, 1, 4]);
        assert_eq!(names(list_people(&all, "", PeopleSort::Name, true)), vec![4, 1, 2, 3]);
        assert_eq!(names(list_people(&all, "", PeopleSort::Company, false)), vec![2, 4, 1, 3]);
        assert_eq!(names(list_people(&all, "", PeopleSort::Email, false)), vec![3, 2, 1, 4]);
        for sort in PeopleSort::ALL {
            assert_eq!(PeopleSort::from_name(sort.name()), Some(sort));
        }
    }
}
