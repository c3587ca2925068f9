//! Making server-supplied text safe for a terminal.
//!
//! Every string that comes from the API (labels, names, error titles, bodies)
//! passes through [`sanitize_line`] before it reaches a terminal: escape
//! sequences are removed whole, other control characters become spaces or go,
//! bidi overrides and zero-width characters are dropped, and the result is a
//! single line of bounded length.

/// True for characters that change how text is displayed without being
/// visible themselves: the Unicode format characters (category Cf: bidi
/// controls, zero-width characters, tags, ...) and the invisible fillers.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                    // soft hyphen
        | '\u{034F}'                  // combining grapheme joiner
        | '\u{0600}'..='\u{0605}'      // arabic number signs
        | '\u{061C}'                  // arabic letter mark
        | '\u{06DD}' | '\u{070F}' | '\u{0890}' | '\u{0891}' | '\u{08E2}'
        | '\u{115F}' | '\u{1160}'      // hangul fillers
        | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'      // mongolian variation selectors, vowel separator
        | '\u{200B}'..='\u{200F}'      // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'      // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'      // word joiner, invisible operators, bidi isolates
        | '\u{3164}'                  // hangul filler
        | '\u{FE00}'..='\u{FE0F}'      // variation selectors
        | '\u{FEFF}'                  // zero-width no-break space
        | '\u{FFA0}'                  // halfwidth hangul filler
        | '\u{FFF0}'..='\u{FFFB}'      // specials, interlinear annotations
        | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'    // egyptian format controls
        | '\u{1BCA0}'..='\u{1BCA3}'    // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}'    // musical format controls
        | '\u{E0000}'..='\u{E0FFF}' // tags, variation selectors supplement
    )
}

/// Makes `raw` a single terminal-safe line of at most `max_chars` characters
/// (an ellipsis marks a cut).
pub fn sanitize_line(raw: &str, max_chars: usize) -> String {
    let clean = strip(raw);
    let trimmed = clean.trim();
    if trimmed.chars().count() <= max_chars {
        return trimmed.to_string();
    }
    let mut out: String = trimmed.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Makes `raw` safe for a terminal and keeps its lines: escape sequences,
/// other control characters and invisible format characters go, line breaks
/// stay (a body shown whole, in lines the view draws one by one).
pub(crate) fn sanitize_text(raw: &str) -> String {
    raw.split('\n')
        .map(|line| strip(line).trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn strip(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS introducers: skip their sequence as well.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_invisible_format(c) => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: CSI (`ESC [`), OSC/DCS/SOS/PM/APC strings, or a two-byte escape.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        Some(c) if ('\u{20}'..='\u{7e}').contains(&c) => {
            chars.next();
            // intermediates (`ESC ( B`): take one more final byte
            if ('\u{20}'..='\u{2f}').contains(&c)
                && chars
                    .peek()
                    .is_some_and(|n| ('\u{30}'..='\u{7e}').contains(n))
            {
                chars.next();
            }
        }
        _ => {}
    }
}

/// CSI parameters and intermediates up to the final byte (0x40..=0x7e).
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // not part of a CSI: the sequence was malformed; stop here
            return;
        }
    }
}

/// A control string up to BEL or ST (`ESC \` or 0x9c).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// serde_json escapes only C0 controls; this also escapes C1 controls, bidi
/// and other invisible format characters as `\uXXXX`, so JSON printed to a
/// terminal cannot steer it. The JSON means the same.
pub(crate) fn terminal_safe_json(json: String) -> String {
    // printable ASCII and line breaks, as most JSON is, is safe as it is
    let plain = |b: &u8| (b' '..=b'~').contains(b) || *b == b'\n';
    if json.as_bytes().iter().all(plain) || !json.chars().any(needs_json_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        push_json_char(&mut out, c);
    }
    out
}

/// Pushes `c` of a JSON text: as its `\u` escape when a terminal would
/// obey it ([`needs_json_escape`]), else as it is.
pub(crate) fn push_json_char(out: &mut String, c: char) {
    if needs_json_escape(c) {
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    } else {
        out.push(c);
    }
}

pub(crate) fn needs_json_escape(c: char) -> bool {
    // most of any JSON is ASCII: only its controls (but the line break of
    // indented JSON) need looking at
    if c.is_ascii() {
        return c.is_ascii_control() && c != '\n';
    }
    c.is_control() || is_invisible_format(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_controls_and_invisible_characters_but_its_line_breaks() {
        for c in [
            '\u{0}',
            '\t',
            '\r',
            '\u{1b}',
            '\u{7f}',
            '\u{9b}',
            '\u{202e}',
            '\u{e0041}',
        ] {
            assert!(needs_json_escape(c), "{c:?}");
        }
        for c in ['\n', ' ', 'a', '~', 'é', '会'] {
            assert!(!needs_json_escape(c), "{c:?}");
        }
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(sanitize_line("\x1b[31mred\x1b[0m", 50), "red");
        assert_eq!(sanitize_line("a\x1b]0;title\x07b", 50), "ab");
        assert_eq!(
            sanitize_line("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", 50),
            "alinkb"
        );
        assert_eq!(sanitize_line("x\x1b(By", 50), "xy");
        assert_eq!(sanitize_line("x\u{9b}2Jy", 50), "xy");
        assert_eq!(sanitize_line("x\x1bPq#0;2;0;0;0\x1b\\y", 50), "xy");
    }

    #[test]
    fn controls_bidi_and_zero_width_characters_go() {
        assert_eq!(
            sanitize_line("a\u{202e}b\u{200b}c\u{2066}d\x07e\x00f", 50),
            "abcdef"
        );
        assert_eq!(sanitize_line("t\u{e0041}\u{e007f}a\u{180e}g", 50), "tag");
        assert_eq!(
            sanitize_line("line one\nline two\r\n\tend", 50),
            "line one line two end"
        );
    }

    #[test]
    fn wide_characters_survive_and_length_is_bounded() {
        assert_eq!(sanitize_line("会議 主催者", 50), "会議 主催者");
        let long = "x".repeat(300);
        let cut = sanitize_line(&long, 40);
        assert_eq!(cut.chars().count(), 40);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn text_keeps_its_lines_and_loses_its_escapes() {
        assert_eq!(
            sanitize_text("{\n  \"a\": \"\x1b[31mx\"\r\n}"),
            "{\n  \"a\": \"x\"\n}"
        );
    }

    #[test]
    fn output_never_holds_a_control_character() {
        let nasty: String = (0u32..0x250).filter_map(char::from_u32).collect();
        let out = sanitize_line(&nasty, 10_000);
        assert!(
            !out.chars()
                .any(|c| c.is_control() || is_invisible_format(c)),
            "{out:?}"
        );
    }
}
