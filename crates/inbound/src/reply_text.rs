//! What a person wrote in a reply, without the history their mail program quoted below it: the lines
//! before the first "On … wrote:" (in the languages the product speaks and their neighbours), an
//! "Original Message" rule, an Outlook header block or a signature delimiter, with quoted (`>`) lines left
//! out. Plain text, never markup: the app shows it as text.

/// The longest reply text kept, in characters.
pub const MAX_REPLY_CHARS: usize = 4000;

/// The new text of a reply whose whole human-readable text is `full`.
pub fn new_text(full: &str) -> String {
    let full = full.replace("\r\n", "\n");
    let lines: Vec<&str> = full.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        if starts_history(trimmed, next, &lines[i + 1..]) || *line == "-- " {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|l| l.is_empty()) {
        kept.pop();
    }
    let start = kept.iter().position(|l| !l.is_empty()).unwrap_or(kept.len());
    let text = kept[start..].join("\n");
    match text.char_indices().nth(MAX_REPLY_CHARS) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text,
    }
}

/// Whether `line` (with `next` after it, and `rest` from there) opens the quoted history.
fn starts_history(line: &str, next: &str, rest: &[&str]) -> bool {
    let lower = line.to_lowercase();
    let attribution = |l: &str| {
        let l = l.to_lowercase();
        (l.starts_with("on ") && l.ends_with("wrote:"))
            || (l.starts_with("em ") && l.ends_with("escreveu:"))
            || (l.starts_with("il ") && l.ends_with("ha scritto:"))
            || (l.starts_with("le ") && (l.ends_with("a écrit :") || l.ends_with("a écrit:")))
            || (l.starts_with("am ") && l.ends_with(':') && l.contains("schrieb"))
            || (l.starts_with("el ") && l.ends_with("escribió:"))
    };
    if attribution(line) || (!line.is_empty() && attribution(&format!("{line} {next}"))) {
        return true;
    }
    let rule = lower.trim_matches(|c: char| c == '-' || c == '_' || c.is_whitespace());
    if lower.starts_with("---")
        && [
            "original message",
            "mensagem original",
            "messaggio originale",
            "ursprüngliche nachricht",
            "message d'origine",
            "mensaje original",
        ]
        .contains(&rule)
    {
        return true;
    }
    if line.len() >= 10 && line.chars().all(|c| c == '_') {
        return true;
    }
    // Outlook's block: "From: …" then "Sent: …" (or their translations) within a few lines.
    let header = |l: &str, names: &[&str]| {
        let l = l.to_lowercase();
        names.iter().any(|n| l.starts_with(n) && l[n.len()..].starts_with(':'))
    };
    header(line, &["from", "de", "da", "von"])
        && rest.iter().take(4).any(|l| {
            header(l.trim(), &["sent", "enviado", "enviada", "inviato", "gesendet", "envoyé", "date", "data"])
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quoted_history_is_folded_away_in_each_language() {
        let cases = [
            "Yes, Thursday works.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Rep <rep@seller.example.com> wrote:\n> Hello Ana\n> Can we talk?\n",
            "Yes, Thursday works.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Rep <rep@seller.example.com>\nwrote:\n> Hello\n",
            "Yes, Thursday works.\n\nEm seg., 7 de dez. de 2026 às 10:00, Rep <rep@seller.example.com> escreveu:\n> Olá\n",
            "Yes, Thursday works.\n\nIl giorno lun 7 dic 2026 alle ore 10:00 Rep <rep@seller.example.com> ha scritto:\n> Ciao\n",
            "Yes, Thursday works.\n\nLe lun. 7 déc. 2026 à 10:00, Rep <rep@seller.example.com> a écrit :\n> Bonjour\n",
            "Yes, Thursday works.\n\nAm Mo., 7. Dez. 2026 um 10:00 Uhr schrieb Rep <rep@seller.example.com>:\n> Hallo\n",
            "Yes, Thursday works.\n\n-----Original Message-----\nFrom: Rep\nSent: Monday\nSubject: Hello\n\nHello Ana\n",
            "Yes, Thursday works.\n\n________________________________\nDe: Rep <rep@seller.example.com>\nEnviado: segunda-feira\nAssunto: Olá\n",
            "Yes, Thursday works.\r\n\r\nFrom: Rep <rep@seller.example.com>\r\nSent: Monday, December 7, 2026 10:00\r\nTo: Ana\r\nSubject: Hello\r\n\r\nHello Ana\r\n",
            "Yes, Thursday works.\n-- \nAna Lima\nHead of Ops\n",
        ];
        for case in cases {
            assert_eq!(new_text(case), "Yes, Thursday works.", "{case:?}");
        }
    }

    #[test]
    fn inline_answers_keep_the_persons_lines_and_drop_the_quoted_ones() {
        let text = "Hi Rep,\n\n> Can we talk on Thursday?\nYes, at 3 pm.\n> Should I bring the team?\nJust Bea.\n\nThanks";
        assert_eq!(new_text(text), "Hi Rep,\n\nYes, at 3 pm.\nJust Bea.\n\nThanks");
    }

    #[test]
    fn a_long_reply_is_cut_on_a_character_and_says_so() {
        let long = "é".repeat(MAX_REPLY_CHARS + 50);
        let cut = new_text(&long);
        assert_eq!(cut.chars().count(), MAX_REPLY_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_line_that_only_mentions_from_is_kept() {
        let text = "From: the sound of it, we agree.\nSee you Thursday.";
        assert_eq!(new_text(text), text);
    }
}
