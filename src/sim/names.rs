//! Realistic (and, on request, hostile) participant labels and conference names.

use std::collections::HashSet;

use fastrand::Rng;

const FIRST: &[&str] = &[
    "Ava",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofia",
    "Lucas",
    "Amelia",
    "Ethan",
    "Isabella",
    "James",
    "Mia",
    "Benjamin",
    "Harper",
    "Elijah",
    "Chloe",
    "Daniel",
    "Priya",
    "Arjun",
    "Mei",
    "Hiroshi",
    "Fatima",
    "Omar",
    "Ingrid",
    "Lars",
    "Zoe",
    "Kwame",
    "Aisha",
    "Diego",
    "Lucia",
    "Tomasz",
    "Katarzyna",
    "Sean",
    "Niamh",
    "Rafael",
    "Camila",
    "Yusuf",
    "Leila",
    "Grace",
    "Henry",
    "Nora",
    "Samuel",
    "Ruth",
    "Victor",
    "Elena",
    "Jonas",
    "Freya",
];

const LAST: &[&str] = &[
    "Thompson",
    "Garcia",
    "Nguyen",
    "Patel",
    "Kim",
    "Okafor",
    "Rossi",
    "Müller",
    "Johansson",
    "Silva",
    "Kowalski",
    "O'Brien",
    "Haddad",
    "Tanaka",
    "Chen",
    "Singh",
    "Williams",
    "Brown",
    "Martinez",
    "Dubois",
    "Novak",
    "Larsen",
    "Mensah",
    "Rahman",
    "Fischer",
    "Moreau",
    "Costa",
    "Ivanova",
    "Schmidt",
    "Walker",
    "Hughes",
    "Reyes",
    "Ali",
    "Park",
    "Andersen",
    "Byrne",
];

const AREA_CODES: &[&str] = &[
    "415", "212", "312", "617", "206", "512", "303", "646", "213", "404", "305", "773",
];

const DEVICES: &[&str] = &[
    "Front desk (iPad)",
    "Boardroom A/V",
    "Conf Room 4B (Poly)",
    "Warehouse / Dock 3",
    "Reception",
    "Zoom Room — Lisbon",
    "Lobby kiosk",
    "Studio B mixer",
    "Night shift supervisor",
    "Car phone",
];

const CONFERENCE_NAMES: &[&str] = &[
    "All hands meeting",
    "Incident bridge INC-2291",
    "Weekly sales sync",
    "Board prep (confidential)",
    "Customer onboarding: Acme Corp",
    "Support escalation line",
    "Engineering standup",
    "Town hall Q3",
];

const WIDE: &[&str] = &[
    "王秀英",
    "佐藤 花子",
    "김민준 (서울)",
    "李雷 / 韩梅梅",
    "Đặng Thị Hồng",
];

/// The conference name of the `i`-th generated conference.
pub(crate) fn conference_name(i: usize) -> String {
    let base = CONFERENCE_NAMES[i % CONFERENCE_NAMES.len()];
    match i / CONFERENCE_NAMES.len() {
        0 => base.to_string(),
        n => format!("{base} #{}", n + 1),
    }
}

/// An ordinary label: a person, a dial-in number or a device.
pub(crate) fn plain_label(rng: &mut Rng) -> String {
    let roll = rng.u8(..100);
    let first = FIRST[rng.usize(..FIRST.len())];
    let last = LAST[rng.usize(..LAST.len())];
    match roll {
        0..=71 => format!("{first} {last}"),
        72..=85 => format!(
            "Dial-in +1 {} 555 {:04}",
            AREA_CODES[rng.usize(..AREA_CODES.len())],
            rng.u16(100..10_000)
        ),
        86..=93 => DEVICES[rng.usize(..DEVICES.len())].to_string(),
        _ => format!("{first} {}. (mobile)", &last[..1]),
    }
}

/// A 300-character name, the kind that breaks fixed-width columns.
pub(crate) fn long_label() -> String {
    let mut s = String::from("Dr. ");
    while s.chars().count() < 300 {
        s.push_str("Wolfeschlegelsteinhausenbergerdorff Hubert Blaine ");
    }
    s.chars().take(300).collect()
}

/// A label that tries to attack a terminal, built around an ordinary one.
pub(crate) fn hostile_label(rng: &mut Rng, variant: usize) -> String {
    let name = plain_label(rng);
    match variant % 13 {
        0 => format!("\x1b[31;1m{name}\x1b[0m"),
        1 => format!("\x1b]0;You have been pwned\x07{name}"),
        2 => format!("\x1b[2J\x1b[H{name}"),
        3 => format!("{name}\x07\x07\x07"),
        4 => format!("{name}\x08\x08\x08\x08Evil"),
        5 => format!("Innocent Name\r{name}"),
        6 => format!("\u{202E}{name} gpj.exe"),
        7 => {
            let mut chars = name.chars();
            let head: String = chars.next().into_iter().collect();
            format!("{head}\u{200B}\u{200D}{}\u{FEFF}", chars.as_str())
        }
        8 => WIDE[rng.usize(..WIDE.len())].to_string(),
        9 => format!("🎧 {name} 🎉"),
        10 => format!("👩🏽‍💻 {name}\tline\nbreak"),
        11 => format!("\x1b[999C\x1b[1A{name}"),
        _ => format!("\u{9b}2J{name}"),
    }
}

/// Hands out unique labels for one conference: scenario labels first, then
/// generated ones (hostile on one of three when asked).
pub(crate) struct LabelGen<'a> {
    scenario: &'a [String],
    hostile: bool,
    used: HashSet<String>,
}

impl<'a> LabelGen<'a> {
    pub(crate) fn new(scenario: &'a [String], hostile: bool) -> Self {
        LabelGen {
            scenario,
            hostile,
            used: HashSet::new(),
        }
    }

    /// The label of the participant at position `k` of the conference.
    pub(crate) fn label(&mut self, rng: &mut Rng, k: usize) -> String {
        let candidate = if let Some(l) = self.scenario.get(k) {
            l.clone()
        } else if self.hostile && k == 2 {
            long_label()
        } else if self.hostile && k % 3 == 1 {
            hostile_label(rng, k / 3)
        } else {
            plain_label(rng)
        };
        self.unique(rng, candidate, k)
    }

    fn unique(&mut self, rng: &mut Rng, candidate: String, k: usize) -> String {
        let mut label = candidate;
        for _ in 0..3 {
            if !self.used.contains(&label) {
                break;
            }
            label = plain_label(rng);
        }
        if self.used.contains(&label) {
            label = format!("{label} #{}", k + 1);
        }
        self.used.insert(label.clone());
        label
    }
}

/// A fresh label for a participant joining later, unique among `taken`.
pub(crate) fn join_label<'a>(
    rng: &mut Rng,
    hostile: bool,
    serial: usize,
    taken: impl Iterator<Item = &'a str>,
) -> String {
    let label = if hostile && rng.u8(..3) == 0 {
        let variant = rng.usize(..13);
        hostile_label(rng, variant)
    } else {
        plain_label(rng)
    };
    let clash = taken.into_iter().any(|t| t == label);
    if clash {
        format!("{label} #{serial}")
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(seed: u64, hostile: bool, n: usize) -> Vec<String> {
        let mut rng = Rng::with_seed(seed);
        let mut generator = LabelGen::new(&[], hostile);
        (0..n).map(|k| generator.label(&mut rng, k)).collect()
    }

    #[test]
    fn labels_are_deterministic_and_unique() {
        let a = labels(7, false, 2000);
        assert_eq!(a, labels(7, false, 2000));
        assert_ne!(a, labels(8, false, 2000));
        let set: HashSet<_> = a.iter().collect();
        assert_eq!(set.len(), a.len());
        assert!(a.iter().all(|l| !l.chars().any(char::is_control)));
    }

    #[test]
    fn scenario_labels_come_first() {
        let scenario = vec![
            "Ava / host".to_string(),
            "Dial-in +1 415 555 0134".to_string(),
        ];
        let mut rng = Rng::with_seed(1);
        let mut generator = LabelGen::new(&scenario, false);
        assert_eq!(generator.label(&mut rng, 0), "Ava / host");
        assert_eq!(generator.label(&mut rng, 1), "Dial-in +1 415 555 0134");
        assert!(!generator.label(&mut rng, 2).is_empty());
    }

    #[test]
    fn hostile_labels_carry_every_kind_of_trouble() {
        let all = labels(7, true, 60);
        let any = |f: &dyn Fn(&str) -> bool| all.iter().any(|l| f(l));
        assert!(any(&|l| l.contains("\x1b[31")));
        assert!(any(&|l| l.contains("\x1b]0;")));
        assert!(any(&|l| l.contains("\x1b[2J")));
        assert!(any(&|l| l.contains('\x07') && !l.contains('\x1b')));
        assert!(any(&|l| l.contains('\x08')));
        assert!(any(&|l| l.contains('\r')));
        assert!(any(&|l| l.contains('\u{202E}')));
        assert!(any(&|l| l.contains('\u{200B}')));
        assert!(any(&|l| l.chars().count() == 300));
        assert!(any(&|l| l.contains('🎧')));
        assert!(any(&|l| WIDE.iter().any(|w| l.contains(w))));
    }

    #[test]
    fn conference_names_stay_unique_past_the_list() {
        let names: HashSet<_> = (0..50).map(conference_name).collect();
        assert_eq!(names.len(), 50);
        assert_eq!(conference_name(0), "All hands meeting");
    }
}
